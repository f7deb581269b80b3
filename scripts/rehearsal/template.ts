import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reading a synthesised CloudFormation template for the deploy rehearsal (docs/operations.md,
 * "Deploy rehearsal"): which functions, queues, tables and secrets it defines, which asset folder
 * holds each function's code, and the functions' environment with `Ref` / `Fn::GetAtt` resolved to
 * local stand-ins.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped; read by shape below
type Json = any;

export interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}

export interface Template {
  Resources: Record<string, Resource>;
}

/** What a resource stands for locally: the value of its `Ref` and of its `Fn::GetAtt` attributes. */
export interface LocalValue {
  ref: string;
  attributes: Record<string, string>;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

/** The stack's template and assets manifest in a cloud assembly folder (a `cdk.out`). */
export function readAssembly(cdkOut: string): { template: Template; assets: Record<string, string> } {
  const manifest = JSON.parse(readFileSync(join(cdkOut, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stacks = Object.values(manifest.artifacts).filter(
    (artifact) => artifact.type === 'aws:cloudformation:stack',
  );
  if (stacks.length !== 1 || !stacks[0]?.properties?.templateFile) {
    throw new Error(`expected one stack in ${cdkOut}, found ${stacks.length}`);
  }
  const templateFile = stacks[0].properties.templateFile;
  const template = JSON.parse(readFileSync(join(cdkOut, templateFile), 'utf8')) as Template;
  const assetsFile = join(cdkOut, templateFile.replace(/\.template\.json$/, '.assets.json'));
  const files = (JSON.parse(readFileSync(assetsFile, 'utf8')) as Json).files as Record<
    string,
    { source: { path: string; packaging?: string } }
  >;
  // object key (`<hash>.zip`) → the folder that is zipped into it
  const assets: Record<string, string> = {};
  for (const file of Object.values(files)) {
    if (file.source.packaging === 'zip')
      assets[`${hashOf(file.source.path)}.zip`] = join(cdkOut, file.source.path);
  }
  return { template, assets };
}

function hashOf(assetPath: string): string {
  return assetPath.replace(/^asset\./, '');
}

/** The resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The logical id a `Ref` or `Fn::GetAtt` points at, or undefined for anything else. */
export function referencedId(value: Json): string | undefined {
  if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string') return value.Ref;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return String(getAtt[0]);
    if (typeof getAtt === 'string') return getAtt.split('.')[0];
  }
  return undefined;
}

/**
 * A template value as a string, with `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub` and the pseudo
 * parameters resolved against `locals`. Throws, naming the value, on anything it cannot resolve: a
 * function setting that points at a resource without a local stand-in must fail the rehearsal.
 */
export function resolveValue(
  value: Json,
  locals: ReadonlyMap<string, LocalValue>,
  template: Template,
): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const pseudo: Record<string, string> = {
    'AWS::Region': LOCAL_REGION,
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'Rehearsal',
  };
  const local = (id: string) => {
    const found = locals.get(id);
    if (!found) {
      const type = template.Resources[id]?.Type ?? 'unknown resource';
      throw new Error(`no local stand-in for ${id} (${type}), referenced by ${JSON.stringify(value)}`);
    }
    return found;
  };
  const attribute = (id: string, name: string) => {
    const found = local(id).attributes[name];
    if (found === undefined) throw new Error(`no local value for ${id}.${name}`);
    return found;
  };
  if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string') return pseudo[value.Ref] ?? local(value.Ref).ref;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return attribute(String(getAtt[0]), String(getAtt[1]));
    if (typeof getAtt === 'string') {
      const [id = '', ...rest] = getAtt.split('.');
      return attribute(id, rest.join('.'));
    }
    const join = value['Fn::Join'];
    if (Array.isArray(join)) {
      return (join[1] as Json[]).map((part) => resolveValue(part, locals, template)).join(String(join[0]));
    }
    const sub = value['Fn::Sub'];
    if (sub !== undefined) {
      const [text, variables] = Array.isArray(sub) ? [String(sub[0]), sub[1] ?? {}] : [String(sub), {}];
      return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
        if (Object.hasOwn(variables, name)) return resolveValue(variables[name], locals, template);
        if (pseudo[name]) return pseudo[name];
        const [id = '', ...rest] = name.split('.');
        return rest.length > 0 ? attribute(id, rest.join('.')) : local(id).ref;
      });
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} locally`);
}

/** `/var/task/...` (where Lambda unpacks the code) rewritten to the local copy of the code. */
export function underTaskRoot(value: string, taskRoot: string): string {
  return value === '/var/task' || value.startsWith('/var/task/')
    ? taskRoot + value.slice('/var/task'.length)
    : value;
}
