import {
  Document,
  DocumentOptions,
  isMap,
  isScalar,
  ParseOptions,
  parseAllDocuments,
  SchemaOptions,
  visit,
} from 'yaml';

/**
 * Options for reading YAML the way Kargo's Go libraries read it into nodes: duplicate keys are not an error
 * (the first one is addressed), and source tokens are kept so that edits can go back to the text.
 */
export const yamlParseOptions: ParseOptions & DocumentOptions & SchemaOptions =
  {
    uniqueKeys: false,
    keepSourceTokens: true,
  };

/** The first document of a YAML stream (the one Go's `yaml.Unmarshal` reads), or undefined when there is none. */
export function firstYamlDocument(
  text: string,
  options: ParseOptions & DocumentOptions & SchemaOptions = yamlParseOptions,
): Document.Parsed | undefined {
  const docs = parseAllDocuments(text, options);
  return Array.isArray(docs) ? docs[0] : undefined;
}

/**
 * Throws on what the Go YAML parser Kargo uses rejects and the `yaml` package accepts or only reports later:
 * syntax errors, an empty implicit key in a block mapping (`: value`), and an alias to an unknown anchor.
 */
export function assertValidYaml(doc: Document): void {
  if (doc.errors.length > 0) {
    throw new Error(doc.errors[0].message);
  }
  visit(doc, {
    Pair(_, pair, path) {
      const parent = path[path.length - 1];
      const key = pair.key;
      if (
        isMap(parent) &&
        !parent.flow &&
        isScalar(key) &&
        key.value === null &&
        key.range?.[0] === key.range?.[1] &&
        !pair.srcToken?.start.some(token => token.type === 'explicit-key-ind')
      ) {
        throw new Error('did not find expected key');
      }
    },
    Alias(_, alias) {
      if (!alias.resolve(doc)) {
        throw new Error(`unknown anchor '${alias.source}' referenced`);
      }
    },
  });
}

/** Tags of the YAML 1.1 schema as Kargo's YAML 1.1 readers apply them: timestamps stay strings. */
export const yaml11Options: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  uniqueKeys: false,
  customTags: tags =>
    tags.filter(
      tag =>
        typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:timestamp',
    ),
};

/**
 * Whether a YAML 1.1 reader (yaml.v2, Helm) would read the plain text as something other than a string, as
 * kustomize's `IsValueNonString` decides it (`yes`, `on`, `1_000`, ...).
 */
export function readsAsNonStringInYaml11(value: string): boolean {
  if (value === '' || value.includes('\n')) {
    return false;
  }
  try {
    const doc = firstYamlDocument(value, yaml11Options);
    if (!doc || doc.errors.length > 0) {
      return false;
    }
    return typeof doc.toJS() !== 'string';
  } catch {
    return false;
  }
}
