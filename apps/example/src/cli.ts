#!/usr/bin/env node
/** The `multitask` executable. */
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
