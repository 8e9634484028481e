/** The values the shared global setup (`test/servers/global-setup.ts`) provides to the cli project. */
declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    s3Endpoint: string;
  }
}

export {};
