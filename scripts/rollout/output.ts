/** The rollout talks to the operator through these two; never console (PM2 and CI read stdout). */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function complain(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Indents every line of `text`, for output captured from a child process. */
export function indented(text: string, prefix = '    | '): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}
