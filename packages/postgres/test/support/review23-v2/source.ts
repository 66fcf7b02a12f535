/** The package this adapter's errors name: `[@election/postgres] …`. */
export const SOURCE = 'postgres';
