#!/usr/bin/env node
/* eslint-disable no-console */
// Generates from src/schema/openapi.yaml:
// - src/schema/openapi/generated/router.ts: the spec as a typed constant and the validated router factory, the
//   shape backstage-repo-tools generates (its Java-based generator cannot fetch its jar without internet);
// - kargo-common's src/api/generated/schemas.ts: a TypeScript type per component schema, which the client's
//   model types are checked against at compile time (src/api/schemaConformance.ts).
// Usage: node scripts/generate-openapi.js [--check]
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('yaml');
const prettier = require('prettier');

const root = path.resolve(__dirname, '..');
const specFile = path.join(root, 'src/schema/openapi.yaml');
const outFile = path.join(root, 'src/schema/openapi/generated/router.ts');
const typesFile = path.resolve(
  root,
  '../kargo-common/src/api/generated/schemas.ts',
);

const HEADER = `// ******************************************************************
// * THIS IS A GENERATED FILE. DO NOT EDIT IT: edit plugins/kargo-backend/src/schema/openapi.yaml and run
// * \`yarn generate:openapi\` in plugins/kargo-backend.
// ******************************************************************
`;

/** The TypeScript type of a JSON schema, for the subset the spec uses. */
function typeOf(schema, indent) {
  if (
    !schema ||
    Object.keys(schema).filter(k => k !== 'description').length === 0
  )
    return 'unknown';
  if (schema.$ref) return schema.$ref.replace('#/components/schemas/', '');
  if (schema.allOf) return schema.allOf.map(s => typeOf(s, indent)).join(' & ');
  if (schema.oneOf || schema.anyOf)
    return (schema.oneOf || schema.anyOf)
      .map(s => typeOf(s, indent))
      .join(' | ');
  if (schema.enum) return schema.enum.map(v => JSON.stringify(v)).join(' | ');
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `Array<${typeOf(schema.items, indent)}>`;
    case 'object':
    case undefined: {
      const required = new Set(schema.required || []);
      const lines = Object.entries(schema.properties || {}).map(
        ([name, property]) =>
          `${indent}  ${
            property.description
              ? `/** ${property.description} */\n${indent}  `
              : ''
          }${name}${required.has(name) ? '' : '?'}: ${typeOf(
            property,
            `${indent}  `,
          )};`,
      );
      const extra = schema.additionalProperties;
      if (extra) {
        lines.push(
          `${indent}  [key: string]: ${
            extra === true ? 'unknown' : typeOf(extra, `${indent}  `)
          };`,
        );
      }
      if (lines.length === 0) return 'Record<string, unknown>';
      return `{\n${lines.join('\n')}\n${indent}}`;
    }
    default:
      throw new Error(`unsupported schema type ${schema.type}`);
  }
}

function renderTypes(specText) {
  const spec = yaml.parse(specText);
  const types = Object.entries(spec.components.schemas).map(
    ([name, schema]) =>
      `${
        schema.description ? `/** ${schema.description} */\n` : ''
      }export type ${name} = ${typeOf(schema, '')};\n`,
  );
  return prettier.format(
    `${HEADER}// Types of the Kargo Portal API's schemas (components.schemas of the OpenAPI spec).\n\n${types.join(
      '\n',
    )}`,
    {
      ...require('@backstage/cli/config/prettier.json'),
      parser: 'typescript',
    },
  );
}

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

module.exports = { render, renderTypes, specFile, outFile, typesFile };

if (require.main === module) {
  const specText = fs.readFileSync(specFile, 'utf8');
  const outputs = [
    [outFile, render(specText)],
    [typesFile, renderTypes(specText)],
  ];
  for (const [file, text] of outputs) {
    if (process.argv.includes('--check')) {
      if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
        console.error(`${file} is out of date: run yarn generate:openapi`);
        process.exitCode = 1;
      }
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  }
}
