import packageJson from '../package.json' with { type: 'json' };

/** The version of the `lastswitch` package. */
export const VERSION: string = packageJson.version;
