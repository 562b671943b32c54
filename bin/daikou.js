#!/usr/bin/env node
// The package's command. It runs the compiled code in dist/ (built by `npm ci` through the
// `prepare` script, or by `npm run build`).
import '../dist/cli/main.js';
