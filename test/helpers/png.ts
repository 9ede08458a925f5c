// Test images come from the same PNG writer `storyreel init` uses.
export { solidPng, gradientPng } from "../../src/init/png.js";
