#!/usr/bin/env node
/* eslint-disable no-console */
// Generates src/schema/openapi/generated/router.ts from src/schema/openapi.yaml: the spec as a typed constant and
// the validated router factory, the shape backstage-repo-tools generates (its Java-based generator cannot fetch
// its jar without internet, so this script does the part the router needs).
// Usage: node scripts/generate-openapi.js [--check]
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('yaml');
const prettier = require('prettier');

const root = path.resolve(__dirname, '..');
const specFile = path.join(root, 'src/schema/openapi.yaml');
const outFile = path.join(root, 'src/schema/openapi/generated/router.ts');

function render(specText) {
  const spec = yaml.parse(specText);
  const text = `// ******************************************************************
// * THIS IS A GENERATED FILE. DO NOT EDIT IT: edit src/schema/openapi.yaml and run
// * \`yarn generate:openapi\` in plugins/kargo-backend.
// ******************************************************************
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';

export const spec = ${JSON.stringify(spec, null, 2)} as const;

export const createOpenApiRouter = async (
  options?: Parameters<typeof createValidatedOpenApiRouter>['1'],
) => createValidatedOpenApiRouter<typeof spec>(spec, options);
`;
  return prettier.format(text, {
    ...require('@backstage/cli/config/prettier.json'),
    parser: 'typescript',
  });
}

module.exports = { render, specFile, outFile };

if (require.main === module) {
  const out = render(fs.readFileSync(specFile, 'utf8'));
  if (process.argv.includes('--check')) {
    if (fs.readFileSync(outFile, 'utf8') !== out) {
      console.error(`${outFile} is out of date: run yarn generate:openapi`);
      process.exit(1);
    }
  } else {
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, out);
    console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
  }
}
