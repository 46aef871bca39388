import fs from 'node:fs';

// The generated router must describe the spec as it is now.
const {
  render,
  renderTypes,
  specFile,
  outFile,
  typesFile,
} = require('../../scripts/generate-openapi.js');

describe('generated OpenAPI router', () => {
  it('is up to date with src/schema/openapi.yaml (run yarn generate:openapi)', () => {
    expect(fs.readFileSync(outFile, 'utf8')).toBe(
      render(fs.readFileSync(specFile, 'utf8')),
    );
  });

  it('has up-to-date schema types in kargo-common (run yarn generate:openapi)', () => {
    expect(fs.readFileSync(typesFile, 'utf8')).toBe(
      renderTypes(fs.readFileSync(specFile, 'utf8')),
    );
  });
});
