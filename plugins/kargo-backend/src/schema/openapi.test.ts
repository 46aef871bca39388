import fs from 'node:fs';

// The generated router must describe the spec as it is now.
const {
  render,
  specFile,
  outFile,
} = require('../../scripts/generate-openapi.js');

describe('generated OpenAPI router', () => {
  it('is up to date with src/schema/openapi.yaml (run yarn generate:openapi)', () => {
    expect(fs.readFileSync(outFile, 'utf8')).toBe(
      render(fs.readFileSync(specFile, 'utf8')),
    );
  });
});
