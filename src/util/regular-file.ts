/**
 * A file's bytes when it is a regular file, undefined otherwise (missing, a folder, a pipe, a
 * socket, a device). A pipe in the project (a tool's control FIFO) blocks a plain read until
 * something writes to it, and the process with it: it is opened without waiting and let go.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";

export function readRegularFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
