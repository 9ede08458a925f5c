// Runs the storyreel CLI in this process and reports its peak resident memory on exit.
process.on("exit", () => process.stderr.write(`peak-rss-kb=${process.resourceUsage().maxRSS}\n`));
const cli = await import("../dist/cli.js");
cli.main();
