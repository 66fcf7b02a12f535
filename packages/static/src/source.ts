/** The package name that prefixes every error message this adapter raises: `[@election/static] …`. */
export const SOURCE = '@election/static';
