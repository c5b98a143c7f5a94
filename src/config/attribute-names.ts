// Lists the attribute names a host's modules define under an option that is
// an attribute set of free-form names, such as boot.kernel.sysctl: however
// each definition is written (nested, dotted, quoted, under mkIf or mkMerge).
import { attrNames, flattenApply, libFunctionName, stripParens } from '../nix/query.js';
import { childNodes, type Node } from '../nix/syntax.js';
import { bindingValue, isModuleWrapper, moduleBody, moduleTop, type Configuration } from './module-graph.js';
import { splitOption } from './option-plan.js';

const WRAPPERS_WITH_VALUE_LAST = new Set(['mkIf', 'mkDefault', 'mkForce', 'mkOverride', 'mkOptionDefault']);

/** Names defined under `option` by any module, sorted, each once. */
export function listAttributeNames(config: Configuration, option: string): string[] {
  const names = new Set<string>();
  for (const module of config.modules) {
    const body = moduleBody(module.expr);
    const path = splitOption(option);
    if (!body && isModuleWrapper(module.expr)) collectNames(moduleTop(module.expr), path, names);
    if (!body) continue;
    collectNames(body, hasTopLevelConfig(body) ? ['config', ...path] : path, names);
  }
  return [...names].sort();
}

function hasTopLevelConfig(body: Node): boolean {
  return childNodes(body).some((n) => {
    if (n.kind !== 'Binding') return false;
    const first = attrNames(childNodes(n)[0]!)[0];
    return first === 'config' || first === 'options';
  });
}

function collectNames(expr: Node, path: string[], names: Set<string>): void {
  const node = stripParens(expr);

  if (node.kind === 'Apply') {
    const { fn, args } = flattenApply(node);
    const name = libFunctionName(fn);
    if (name === 'mkMerge' && args.length === 1 && stripParens(args[0]!).kind === 'List') {
      for (const item of childNodes(stripParens(args[0]!))) collectNames(item, path, names);
    } else if (name && WRAPPERS_WITH_VALUE_LAST.has(name) && args.length > 0) {
      collectNames(args.at(-1)!, path, names);
    }
    return;
  }
  if (node.kind === 'LetIn' || node.kind === 'With') {
    collectNames(childNodes(node).at(-1)!, path, names);
    return;
  }
  if (node.kind !== 'AttrSet') return;

  for (const binding of childNodes(node)) {
    if (binding.kind !== 'Binding') continue;
    const bound = attrNames(childNodes(binding)[0]!);
    const shared = Math.min(bound.length, path.length);
    if (bound.slice(0, shared).some((name, i) => name !== path[i])) continue;
    if (bound.length > path.length) {
      const name = bound[path.length];
      if (name !== undefined) names.add(name);
    } else {
      collectNames(bindingValue(binding), path.slice(bound.length), names);
    }
  }
}
