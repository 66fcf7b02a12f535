/** ANSI styling, only when a person is watching a terminal (and NO_COLOR is not set). */
const enabled = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;

const wrap = (open: number, close: number) => (text: string) =>
  enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export const bold = wrap(1, 22);
export const dim = wrap(2, 22);
export const green = wrap(32, 39);
export const red = wrap(31, 39);
export const yellow = wrap(33, 39);
export const cyan = wrap(36, 39);
