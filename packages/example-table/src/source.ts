/** The package this adapter's errors name: `[@election/example-table] …`. */
export const SOURCE = 'example-table';
