/**
 * The path of a request target, read as a path and never as a URL: `//foo/election/status` is the
 * path "//foo/election/status", not host `foo` and path `/election/status` (which `new URL(target,
 * base)` would make of it). Absolute-form targets (`http://host/path`, sent to proxies) give their
 * path. Query and fragment are dropped. Undefined for anything else (`*`, authority-form).
 */
export function requestPath(target: string | undefined): string | undefined {
  let text = target ?? '/';
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(text);
  if (absolute) text = text.slice(absolute[0].length) || '/';
  const end = text.search(/[?#]/);
  const path = end === -1 ? text : text.slice(0, end);
  return path.startsWith('/') ? path : undefined;
}

/** A path with an empty segment (`//`) names nothing this handler serves. */
export const hasEmptySegment = (path: string) => path.includes('//');
