/**
 * A few folders watched for changes (`fs.watch`, inotify on Linux: no polling, no cost while
 * nothing changes), reported at most once per `debounceMs`. Runs use it to see other runs, the sprint file,
 * cancel requests and project slots change within a moment; their slow poll stays the fallback
 * where the file system gives no events (some network mounts), so a watch that fails is quiet.
 */
import { type FSWatcher, watch } from "node:fs";

export interface FolderWatchOptions {
  /** Absolute folders; one that does not exist is skipped. */
  folders: readonly string[];
  /** Which file names matter (all when absent). */
  accept?: (folder: string, name: string) => boolean;
  /** Called `debounceMs` after the first change of a burst (at most once per `debounceMs`). */
  onChange: () => void;
  /** Default 20 ms: long enough to join a temp-file-and-rename, short against a 1 s target. */
  debounceMs?: number;
}

/** Starts watching; returns the function that stops it. */
export function watchFolders(options: FolderWatchOptions): () => void {
  const watchers: FSWatcher[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const fire = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) options.onChange();
    }, options.debounceMs ?? 20);
    timer.unref?.();
  };
  for (const folder of new Set(options.folders)) {
    try {
      const watcher = watch(folder, { persistent: false }, (_event, name) => {
        if (!options.accept || (name && options.accept(folder, name.toString()))) fire();
      });
      watcher.on("error", () => watcher.close());
      watchers.push(watcher);
    } catch {
      // Missing, or no watch possible here: the caller's poll sees the changes.
    }
  }
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
