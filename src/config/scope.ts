// What a name in flake.nix stands for, read from the syntax tree alone:
// bindings of `let` and `rec` sets, and the parameters of helper functions
// whose call we are following (`mkHost "gamma" [ ./hosts/gamma ]`). Nothing
// is evaluated: a name is followed to the expression the user wrote for it,
// so that edits land on that expression, where the user wrote it.
import { attrName, attrNames, identName, stripParens } from '../nix/query.js';
import { childNodes, childTokens, type Node } from '../nix/syntax.js';

/**
 * An expression together with the arguments of the helper calls it sits in.
 * An argument is itself a Value: its names are looked up where the call is
 * written (the caller's scope), the names of a helper's body in the helper's.
 */
export interface Value {
  node: Node;
  env: Env;
}

/** The helper calls being followed, innermost first. */
export type Env = Frame | undefined;

interface Frame {
  /** The Lambda whose parameter is bound. */
  lambda: Node;
  argument: Value;
  parent: Env;
}

/** Why a name could not be followed, said so a user can act on it. */
export interface Unresolved {
  unresolved: string;
}

export type Resolution = Value | Unresolved;

export function isUnresolved(r: Resolution): r is Unresolved {
  return 'unresolved' in r;
}

/** `lambda` called with `argument`: its parameters now stand for the argument. */
export function bindArgument(lambda: Node, argument: Value, env: Env): Env {
  return { lambda, argument, parent: env };
}

// A chain of names longer than this is a loop (`let a = b; b = a; in`), or
// not something a user writes by hand.
const MAX_STEPS = 64;

/**
 * The expression `name` stands for at `from`: the value of the nearest
 * `let`/`rec` binding or `inherit`, or the argument of a helper call that
 * binds it. Lexical scoping as Nix has it: an inner function parameter
 * hides an outer `let` of the same name.
 */
export function resolveName(from: Node, name: string, env: Env, steps = 0): Resolution {
  if (steps > MAX_STEPS) return { unresolved: `\`${name}\` is defined through too many names (a loop?)` };
  // A formal's default (`{ a, b ? a }:`) sees the other formals: the
  // pattern is inside its Lambda's scope like the body.
  for (let scope = from.parent; scope; scope = scope.parent) {
    if (scope.kind === 'LetIn' || isRecSet(scope)) {
      const found = bindingIn(scope, name, env, steps);
      if (found) return found;
    } else if (scope.kind === 'Lambda') {
      const found = parameter(scope, name, env, steps);
      if (found) return found;
    }
  }
  return { unresolved: `\`${name}\` is not defined by a \`let\` in this file` };
}

function isRecSet(node: Node): boolean {
  return node.kind === 'AttrSet' && childTokens(node).some((t) => t.kind === 'kw_rec');
}

/** A binding of `name` written in a let or set: `name = ...;` or `inherit name;`. */
function bindingIn(scope: Node, name: string, env: Env, steps: number): Resolution | undefined {
  for (const child of childNodes(scope)) {
    if (child.kind === 'Binding') {
      const names = attrNames(childNodes(child)[0]!);
      if (names.length === 1 && names[0] === name) return { node: childNodes(child)[1]!, env };
    } else if (child.kind === 'Inherit' && inheritedNames(child).includes(name)) {
      if (childNodes(child)[0]?.kind === 'InheritFrom') {
        return { unresolved: `\`${name}\` is inherited from an expression tune-wizard does not evaluate` };
      }
      // `inherit name;` takes the name from outside the let or set.
      return resolveName(scope, name, env, steps + 1);
    }
  }
  return undefined;
}

function inheritedNames(inherit: Node): (string | undefined)[] {
  return childNodes(inherit).filter((n) => n.kind !== 'InheritFrom').map(attrName);
}

/** `name` as a parameter of `lambda`, if it is one. */
function parameter(lambda: Node, name: string, env: Env, steps: number): Resolution | undefined {
  const param = childNodes(lambda)[0]!;
  const atName = param.kind === 'Ident' ? param : childNodes(param).find((n) => n.kind === 'Ident');
  const formal = param.kind === 'Pattern' ? formalNamed(param, name) : undefined;
  if (atName && identName(atName) === name) {
    const frame = frameOf(lambda, env);
    return frame ? frame.argument : notCalled(name);
  }
  if (!formal) return undefined;
  const frame = frameOf(lambda, env);
  if (!frame) return notCalled(name);
  return formalArgument(frame, formal, name, env, steps);
}

function notCalled(name: string): Unresolved {
  return { unresolved: `\`${name}\` is a function parameter, and tune-wizard does not see that function called` };
}

function formalNamed(pattern: Node, name: string): Node | undefined {
  return childNodes(pattern).find((e) => e.kind === 'PatEntry' && identName(childNodes(e)[0]!) === name);
}

function frameOf(lambda: Node, env: Env): Frame | undefined {
  for (let frame = env; frame; frame = frame.parent) if (frame.lambda === lambda) return frame;
  return undefined;
}

/**
 * The attribute `name` of the set a `{ name, ... }:` helper was called with,
 * or the formal's default (`modules ? [ ]`) when the call leaves it out.
 */
function formalArgument(frame: Frame, formal: Node, name: string, env: Env, steps: number): Resolution {
  const set = attrSetOf(frame.argument, steps + 1);
  if (isUnresolved(set)) return set;
  const passed = attributeOf(set, name, steps + 1);
  if (passed) return passed;
  // The default is written inside the helper: its names are the helper's.
  const fallback = childNodes(formal)[1];
  if (fallback) return { node: fallback, env };
  return { unresolved: `the call does not pass \`${name}\`, and the function has no default for it` };
}

/**
 * What a value is written as, through parentheses, names and attribute
 * selections of sets written out (`args.modules`): the expression itself,
 * never a name, or why it cannot be followed.
 */
export function follow(value: Value, steps = 0): Resolution {
  const node = stripParens(value.node);
  if (steps > MAX_STEPS) return { unresolved: 'the names go round in a loop' };
  if (node.kind === 'Ident') {
    const found = resolveName(node, identName(node), value.env, steps + 1);
    return isUnresolved(found) ? found : follow(found, steps + 1);
  }
  if (node.kind === 'Select' && !childTokens(node).some((t) => t.kind === 'kw_or')) {
    const selected = selectFrom(node, value.env, steps);
    if (selected) return isUnresolved(selected) ? selected : follow(selected, steps + 1);
  }
  return { node, env: value.env };
}

/** `set.a.b` when `set` is a set written out in this file; undefined if not. */
function selectFrom(select: Node, env: Env, steps: number): Resolution | undefined {
  const [base, attrpath] = childNodes(select);
  let current = follow({ node: base!, env }, steps + 1);
  for (const name of attrNames(attrpath!)) {
    if (isUnresolved(current) || current.node.kind !== 'AttrSet' || name === undefined) return undefined;
    const next = attributeOf(current, name, steps + 1);
    if (!next) return undefined;
    current = isUnresolved(next) ? next : follow(next, steps + 1);
  }
  return current;
}

/** The attribute set a value is written as, through parentheses and names. */
export function attrSetOf(value: Value, steps = 0): Resolution {
  const found = follow(value, steps);
  if (isUnresolved(found) || found.node.kind === 'AttrSet') return found;
  return { unresolved: 'the argument is not an attribute set written out in this file' };
}

/** `name = ...;` or `inherit name;` in an attribute set written out. */
export function attributeOf(set: Value, name: string, steps = 0): Resolution | undefined {
  for (const child of childNodes(set.node)) {
    if (child.kind === 'Binding') {
      const names = attrNames(childNodes(child)[0]!);
      if (names.length === 1 && names[0] === name) return { node: childNodes(child)[1]!, env: set.env };
    } else if (child.kind === 'Inherit' && inheritedNames(child).includes(name)) {
      if (childNodes(child)[0]?.kind === 'InheritFrom') {
        return { unresolved: `\`${name}\` is inherited from an expression tune-wizard does not evaluate` };
      }
      return resolveName(set.node, name, set.env, steps + 1);
    }
  }
  return undefined;
}

/**
 * The parameters of followed helper calls that an expression uses, each as
 * "`name`, an argument of mkHost": what makes `./hosts/${name}` depend on
 * the call. Empty when it uses none.
 */
export function helperParametersIn(value: Value): string[] {
  const found: string[] = [];
  for (const ident of identsIn(value.node)) {
    const name = identName(ident);
    const lambda = parameterLambda(ident, name);
    if (!lambda || !frameOf(lambda, value.env)) continue;
    const said = `\`${name}\`, an argument of ${helperName(lambda)}`;
    if (!found.includes(said)) found.push(said);
  }
  return found;
}

function* identsIn(node: Node): Generator<Node> {
  if (node.kind === 'Ident') yield node;
  // The attribute names after a dot are not variables.
  const children = node.kind === 'Select' ? childNodes(node).slice(0, 1) : childNodes(node);
  for (const child of children) yield* identsIn(child);
}

/** The Lambda that binds `name` at `from`, unless a let or rec set hides it. */
export function parameterLambda(from: Node, name: string): Node | undefined {
  for (let scope = from.parent; scope; scope = scope.parent) {
    if ((scope.kind === 'LetIn' || isRecSet(scope)) && declares(scope, name)) return undefined;
    if (scope.kind === 'Lambda' && parameterNames(scope).includes(name)) return scope;
  }
  return undefined;
}

function parameterNames(lambda: Node): string[] {
  const param = childNodes(lambda)[0]!;
  if (param.kind === 'Ident') return [identName(param)];
  return childNodes(param).map((n) => identName(n.kind === 'PatEntry' ? childNodes(n)[0]! : n));
}

function declares(scope: Node, name: string): boolean {
  return childNodes(scope).some(
    (c) =>
      (c.kind === 'Binding' && attrNames(childNodes(c)[0]!).join('.') === name) ||
      (c.kind === 'Inherit' && inheritedNames(c).includes(name)),
  );
}

/**
 * What a user calls the helper a Lambda belongs to: the name it is bound to
 * (`mkHost = name: extra: ...`, curried or not), else "a helper function".
 */
export function helperName(lambda: Node): string {
  let outer = lambda;
  while (outer.parent?.kind === 'Lambda' || outer.parent?.kind === 'Paren') outer = outer.parent;
  const binding = outer.parent;
  if (binding?.kind === 'Binding') {
    const names = attrNames(childNodes(binding)[0]!);
    if (names.every((n) => n !== undefined)) return names.join('.');
  }
  return 'a helper function';
}
