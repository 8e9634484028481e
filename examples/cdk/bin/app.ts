#!/usr/bin/env node
/**
 * The lastswitch CDK app. Every setting is optional context (`cdk deploy -c key=value` or cdk.json);
 * see `lib/app.ts` for the keys and the README for the layouts.
 */
import { App } from 'aws-cdk-lib';
import { addLastswitchStack } from '../lib/app.js';

const app = new App();
addLastswitchStack(app, process.env);
app.synth();
