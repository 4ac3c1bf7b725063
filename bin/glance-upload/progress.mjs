// glance-upload's progress: a bar redrawn on a terminal, or a line every few seconds otherwise.

export const MiB = 1024 * 1024;

export function progress(total, partCount, intervalS) {
  const tty = process.stderr.isTTY;
  const started = Date.now();
  let base = 0; // bytes done before this run
  let sent = 0; // bytes sent this run (parts done + in flight)
  let partsDone = 0;
  let lastLine = 0;
  const fmt = (b) => (b / MiB).toFixed(1);
  const line = () => {
    const secs = (Date.now() - started) / 1000;
    const rate = sent / Math.max(secs, 0.001);
    const done = base + sent;
    const pct = total ? (100 * done) / total : 100;
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    const etaText = `${Math.floor(eta / 60)}:${String(eta % 60).padStart(2, "0")}`;
    return { pct, text: `${pct.toFixed(1).padStart(5)}% ${fmt(done)}/${fmt(total)} MiB  ${fmt(rate)} MiB/s  parts ${partsDone}/${partCount}  ETA ${etaText}` };
  };
  const draw = (force = false) => {
    const { pct, text } = line();
    if (tty) {
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      process.stderr.write(`\r[${"#".repeat(fill)}${".".repeat(width - fill)}] ${text}\x1b[K`);
    } else if (force || Date.now() - lastLine >= intervalS * 1000) {
      lastLine = Date.now();
      process.stderr.write(`upload ${text}\n`);
    }
  };
  const timer = setInterval(draw, tty ? 200 : 1000);
  timer.unref();
  return {
    resumed(bytes, parts) {
      base = bytes;
      partsDone = parts;
    },
    add: (n) => (sent += n),
    note(msg) {
      process.stderr.write(`${tty ? "\r\x1b[K" : ""}${msg}\n`);
      if (tty) draw();
    },
    partDone: () => partsDone++,
    stop() {
      clearInterval(timer);
      draw(true);
      if (tty) process.stderr.write("\n");
      return { secs: (Date.now() - started) / 1000, sent };
    },
  };
}
