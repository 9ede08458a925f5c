// A small tmpfs for disk-full cases: mounted over a fresh folder, or a reason to skip where mounting is not allowed.
import { execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";

export async function mountTmpfs(dir: string, size: string): Promise<{ skip?: string; unmount: () => void }> {
  await mkdir(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
  } catch (err) {
    const why = String((err as { stderr?: Buffer }).stderr ?? err)
      .trim()
      .split("\n")[0];
    return {
      skip: `cannot mount a tmpfs here (${why}); needs root or CAP_SYS_ADMIN`,
      unmount: () => undefined,
    };
  }
  return { unmount: () => execFileSync("umount", ["-l", dir], { stdio: "pipe" }) };
}
