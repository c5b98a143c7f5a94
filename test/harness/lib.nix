# A small stand-in for nixpkgs' `lib`, written for tune-wizard's test
# harness (nixpkgs cannot be fetched where the tests run).
#
# It provides what NixOS modules use while they are being evaluated: the
# properties (mkIf, mkMerge, mkOverride and friends), option declarations
# (mkOption, mkEnableOption, mkPackageOption, types.*) and the everyday
# helpers. The properties and types are plain data; test/harness/modules.nix
# gives them their meaning.
#
# Anything not defined here is missing on purpose: selecting it fails with
# Nix's "attribute '...' missing" instead of quietly returning something.
let
  inherit (builtins)
    all any attrNames attrValues concatLists concatMap concatStringsSep
    elem elemAt filter foldl' functionArgs genList head isAttrs isBool
    isFloat isFunction isInt isList isPath isString length listToAttrs map
    mapAttrs match removeAttrs replaceStrings split stringLength substring
    tail typeOf;

  # ---------------------------------------------------------------- trivial
  id = x: x;
  const = x: _: x;
  flip = f: a: b: f b a;
  pipe = foldl' (x: f: f x);
  boolToString = b: if b then "true" else "false";
  min = a: b: if a < b then a else b;
  max = a: b: if a > b then a else b;
  mod = a: b: a - (b * (a / b));
  warn = msg: builtins.trace "warning: ${msg}";
  warnIf = c: msg: if c then warn msg else id;
  warnIfNot = c: msg: if c then id else warn msg;
  throwIf = c: msg: if c then throw msg else id;
  throwIfNot = c: msg: if c then id else throw msg;
  assertMsg = pred: msg: pred || throw msg;
  assertOneOf = name: val: xs:
    assertMsg (elem val xs) "${name} must be one of ${toPretty xs}, but is: ${toPretty val}";
  isStringLike = x: isString x || isPath x || (isAttrs x && (x ? outPath || x ? __toString));
  isDerivation = x: isAttrs x && (x.type or null) == "derivation";

  # Short, never-failing rendering of a value for messages.
  toPretty = v:
    let
      t = typeOf v;
      safe = x: let r = builtins.tryEval x; in if r.success then r.value else "<error>";
    in
    if t == "string" then "\"${v}\""
    else if t == "int" || t == "float" then toString v
    else if t == "bool" then boolToString v
    else if t == "null" then "null"
    else if t == "path" then toString v
    else if t == "lambda" then "<function>"
    else if t == "list" then
      "[ " + concatStringsSep " " (map (x: safe (toPretty x)) v) + (if v == [ ] then "]" else " ]")
    else if isDerivation v then "<derivation ${safe (v.name or "?")}>"
    else if v ? _type then "<${v._type}>"
    else "{ " + concatStringsSep " " (map (n: "${n} = ${safe (toPretty v.${n})};") (attrNames v)) + " }";

  # ---------------------------------------------------------------- strings
  hasPrefix = pre: s: substring 0 (stringLength pre) s == pre;
  hasSuffix = suf: s:
    let ls = stringLength s; lf = stringLength suf; in
    lf <= ls && substring (ls - lf) lf s == suf;
  removePrefix = pre: s:
    if hasPrefix pre s then substring (stringLength pre) (stringLength s) s else s;
  removeSuffix = suf: s:
    if hasSuffix suf s then substring 0 (stringLength s - stringLength suf) s else s;
  hasInfix = inf: s: match ".*${escapeRegex inf}.*" s != null;
  escapeRegex = replaceStrings
    [ "\\" "[" "{" "(" ")" "^" "$" "?" "*" "+" "|" "." "]" "}" ]
    [ "\\\\" "\\[" "\\{" "\\(" "\\)" "\\^" "\\$" "\\?" "\\*" "\\+" "\\|" "\\." "\\]" "\\}" ];
  splitString = sep: s: filter isString (split (escapeRegex sep) s);
  concatStrings = concatStringsSep "";
  concatMapStrings = f: l: concatStrings (map f l);
  concatMapStringsSep = sep: f: l: concatStringsSep sep (map f l);
  concatImapStringsSep = sep: f: l: concatStringsSep sep (imap1 f l);
  concatLines = l: concatStrings (map (s: s + "\n") l);
  optionalString = c: s: if c then s else "";
  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  toLower = replaceStrings upperChars lowerChars;
  toUpper = replaceStrings lowerChars upperChars;
  stringToCharacters = s: genList (i: substring i 1 s) (stringLength s);
  escapeShellArg = a: "'${replaceStrings [ "'" ] [ "'\\''" ] (toString a)}'";
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;
  trim = s:
    let m = match "[[:space:]]*(.*[^[:space:]])[[:space:]]*" s; in
    if m == null then "" else head m;
  toInt = s:
    let m = match "[[:space:]]*(-?[0-9]+)[[:space:]]*" s; in
    if m == null then throw "toInt: `${s}' is not an integer" else builtins.fromJSON (head m);
  fixedWidthString = width: filler: s:
    let n = width - stringLength s; in
    if n <= 0 then s else fixedWidthString width filler (filler + s);
  fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);

  # ------------------------------------------------------------------ lists
  optional = c: x: if c then [ x ] else [ ];
  optionals = c: xs: if c then xs else [ ];
  toList = x: if isList x then x else [ x ];
  singleton = x: [ x ];
  flatten = x: if isList x then concatMap flatten x else [ x ];
  unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
  last = l: assert l != [ ]; elemAt l (length l - 1);
  init = l: assert l != [ ]; genList (i: elemAt l i) (length l - 1);
  take = n: sublist 0 n;
  drop = n: l: sublist n (length l) l;
  sublist = start: count: l:
    let
      len = length l;
      s = if start >= len then len else start;
      c = if s + count > len then len - s else count;
    in genList (i: elemAt l (s + i)) c;
  range = a: b: if a > b then [ ] else genList (i: a + i) (b - a + 1);
  count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;
  foldl = op: foldl' op;
  foldr = op: nul: l:
    let len = length l; go = i: if i == len then nul else op (elemAt l i) (go (i + 1)); in go 0;
  imap0 = f: l: genList (i: f i (elemAt l i)) (length l);
  imap1 = f: l: genList (i: f (i + 1) (elemAt l i)) (length l);
  forEach = xs: f: map f xs;
  reverseList = l: let len = length l; in genList (i: elemAt l (len - i - 1)) len;
  findFirst = pred: default: l:
    let found = filter pred l; in if found == [ ] then default else head found;
  remove = e: filter (x: x != e);
  subtractLists = e: filter (x: !(elem x e));
  intersectLists = e: filter (x: elem x e);
  zipListsWith = f: a: b: genList (i: f (elemAt a i) (elemAt b i)) (min (length a) (length b));
  zipLists = zipListsWith (fst: snd: { inherit fst snd; });
  ifilter0 = pred: l: map (x: x.v) (filter (x: pred x.i x.v) (imap0 (i: v: { inherit i v; }) l));

  # ------------------------------------------------------------------ attrs
  nameValuePair = name: value: { inherit name value; };
  mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
  mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
  attrsToList = mapAttrsToList nameValuePair;
  filterAttrs = pred: set:
    listToAttrs (concatMap (n: let v = set.${n}; in if pred n v then [ (nameValuePair n v) ] else [ ]) (attrNames set));
  concatMapAttrs = f: set: foldl' (a: b: a // b) { } (mapAttrsToList f set);
  mergeAttrsList = foldl' (a: b: a // b) { };
  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
  optionalAttrs = c: set: if c then set else { };
  attrByPath = path: default: set:
    if path == [ ] then set
    else if isAttrs set && set ? ${head path} then attrByPath (tail path) default set.${head path}
    else default;
  hasAttrByPath = path: set:
    path == [ ] || (isAttrs set && set ? ${head path} && hasAttrByPath (tail path) set.${head path});
  getAttrFromPath = path: set:
    attrByPath path (throw "cannot find attribute `${concatStringsSep "." path}'") set;
  setAttrByPath = path: value:
    if path == [ ] then value else { ${head path} = setAttrByPath (tail path) value; };
  recursiveUpdateUntil = pred: lhs: rhs:
    let
      go = path: l: r:
        l // mapAttrs (n: rv:
          let lv = l.${n}; p = path ++ [ n ]; in
          if l ? ${n} && isAttrs lv && isAttrs rv && !(pred p lv rv) then go p lv rv else rv) r;
    in go [ ] lhs rhs;
  recursiveUpdate = recursiveUpdateUntil (_: l: r: !(isAttrs l && isAttrs r));
  zipAttrsWith = builtins.zipAttrsWith;
  zipAttrs = zipAttrsWith (_: vs: vs);
  foldAttrs = op: nul: sets:
    foldl' (acc: set: acc // mapAttrs (n: v: op v (acc.${n} or nul)) set) { } (reverseList sets);
  foldlAttrs = f: init: set: foldl' (acc: n: f acc n set.${n}) init (attrNames set);
  mapAttrsRecursiveCond = cond: f: set:
    let
      go = path: s: mapAttrs (n: v:
        if isAttrs v && cond v then go (path ++ [ n ]) v else f (path ++ [ n ]) v) s;
    in go [ ] set;
  mapAttrsRecursive = mapAttrsRecursiveCond (_: true);
  filterAttrsRecursive = pred: set:
    listToAttrs (concatMap (n:
      let v = set.${n}; in
      if pred n v then [ (nameValuePair n (if isAttrs v then filterAttrsRecursive pred v else v)) ] else [ ])
      (attrNames set));
  collect = pred: v:
    if pred v then [ v ] else if isAttrs v then concatMap (collect pred) (attrValues v) else [ ];
  getBin = x: x.bin or x.out or x;
  getLib = x: x.lib or x.out or x;
  getDev = x: x.dev or x.out or x;
  getOutput = o: x: x.${o} or x.out or x;
  getName = x: (builtins.parseDrvName (x.name or x)).name;
  getVersion = x: (builtins.parseDrvName (x.name or x)).version;

  # ------------------------------------------------------------ versions
  versionOlder = a: b: builtins.compareVersions b a == 1;
  versionAtLeast = a: b: !(versionOlder a b);
  versions = rec {
    splitVersion = builtins.splitVersion;
    major = v: elemAt (splitVersion v) 0;
    minor = v: elemAt (splitVersion v) 1;
    patch = v: elemAt (splitVersion v) 2;
    majorMinor = v: "${major v}.${minor v}";
  };

  # --------------------------------------------------------- properties
  # Plain data; modules.nix discharges them exactly where NixOS would.
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  defaultOverridePriority = 100;
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkFixStrictness = id;
  # Ordering only matters for how list and lines definitions are
  # concatenated; the harness keeps them as plain definitions.
  mkOrder = _priority: content: content;
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;

  # --------------------------------------------------------- declarations
  mkOption = attrs: { _type = "option"; } // attrs;
  isOption = x: isAttrs x && (x._type or null) == "option";
  mkEnableOption = name: mkOption {
    type = types.bool;
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
  };
  mkPackageOption = pkgs: name:
    { nullable ? false, default ? name, example ? null, extraDescription ? "", pkgsText ? "pkgs" }:
    let
      namePath = toList name;
      defaultPath = if default == null then null else toList default;
    in
    mkOption ({
      type = if nullable then types.nullOr types.package else types.package;
      description = "The ${concatStringsSep "." namePath} package to use." + extraDescription;
    }
    // optionalAttrs (defaultPath != null || nullable) {
      default = if defaultPath == null then null else getAttrFromPath defaultPath pkgs;
      defaultText = literalExpression "${pkgsText}.${concatStringsSep "." (if defaultPath == null then namePath else defaultPath)}";
    }
    // optionalAttrs (example != null) { inherit example; });
  mkPackageOptionMD = mkPackageOption;
  mkSinkUndeclaredOptions = attrs: mkOption ({ type = types.anything; internal = true; visible = false; } // attrs);
  mdDoc = id;
  literalExpression = text: { _type = "literalExpression"; inherit text; };
  literalExample = literalExpression;
  literalMD = text: { _type = "literalMD"; inherit text; };
  showOption = parts: concatStringsSep "." (map (p:
    if match "[a-zA-Z_][a-zA-Z0-9_'-]*" p != null then p else "\"${p}\"") parts);
  showFiles = files: concatStringsSep ", " (map (f: "`${toString f}'") files);
  getValues = map (d: d.value);
  getFiles = map (d: d.file);

  # Renames are recorded on a marker attribute that modules.nix collects:
  # definitions under `from` become definitions of `to`.
  mkRenamedOptionModule = from: to: { __harnessRenames = [ { inherit from to; } ]; };
  mkRenamedOptionModuleWith = { from, to, sinceRelease ? null }: mkRenamedOptionModule from to;
  mkAliasOptionModule = mkRenamedOptionModule;
  mkAliasOptionModuleMD = mkRenamedOptionModule;
  # NixOS turns a definition of a removed option into an assertion failure;
  # the harness does not evaluate assertions, so this declares nothing.
  mkRemovedOptionModule = _path: _msg: { };

  # ----------------------------------------------------------------- types
  # A type is data: `kind` selects the merge in modules.nix, `check` is the
  # predicate NixOS uses before merging.
  mkType = attrs: {
    _type = "option-type";
    description = attrs.name;
    check = _: true;
    kind = "equal";
  } // attrs;
  # Public constructor: `merge`, when given, is called as NixOS would call
  # it, with the option path and the definitions left after priorities.
  mkOptionType = { name, description ? name, check ? (_: true), merge ? null, ... }@attrs:
    mkType ({ inherit name description check; }
      // (if merge == null then { kind = "unspecified"; } else { kind = "custom"; inherit merge; }));

  intBetween = lo: hi: mkType {
    name = "intBetween";
    description = "integer between ${toString lo} and ${toString hi} (both inclusive)";
    check = x: isInt x && x >= lo && x <= hi;
  };
  separatedString = sep: mkType {
    name = "separatedString";
    description = if sep == "" then "concatenated string" else "strings concatenated with ${builtins.toJSON sep}";
    check = isString;
    kind = "separated";
    inherit sep;
  };

  types = rec {
    isType = name: t: isAttrs t && (t._type or null) == "option-type" && t.name == name;
    inherit mkOptionType;
    raw = mkType { name = "raw"; description = "raw value"; kind = "one"; };
    anything = mkType { name = "anything"; description = "anything"; kind = "anything"; };
    unspecified = mkType { name = "unspecified"; description = "unspecified value"; kind = "unspecified"; };
    bool = mkType { name = "bool"; description = "boolean"; check = isBool; };
    boolByOr = mkType { name = "boolByOr"; description = "boolean (merged using or)"; check = isBool; kind = "or"; };
    int = mkType { name = "int"; description = "signed integer"; check = isInt; };
    float = mkType { name = "float"; description = "floating point number"; check = isFloat; };
    number = mkType { name = "number"; description = "signed integer or floating point number"; check = x: isInt x || isFloat x; };
    ints = {
      between = intBetween;
      unsigned = mkType { name = "unsignedInt"; description = "unsigned integer, meaning >=0"; check = x: isInt x && x >= 0; };
      positive = mkType { name = "positiveInt"; description = "positive integer, meaning >0"; check = x: isInt x && x > 0; };
      u8 = intBetween 0 255;
      u16 = intBetween 0 65535;
      u32 = intBetween 0 4294967295;
      s8 = intBetween (-128) 127;
      s16 = intBetween (-32768) 32767;
      s32 = intBetween (-2147483648) 2147483647;
      inherit int;
    };
    numbers = {
      between = lo: hi: mkType { name = "numberBetween"; check = x: (isInt x || isFloat x) && x >= lo && x <= hi; };
      nonnegative = mkType { name = "numberNonnegative"; check = x: (isInt x || isFloat x) && x >= 0; };
      positive = mkType { name = "numberPositive"; check = x: (isInt x || isFloat x) && x > 0; };
    };
    port = ints.u16;
    str = mkType { name = "str"; description = "string"; check = isString; };
    nonEmptyStr = mkType { name = "nonEmptyStr"; description = "non-empty string"; check = x: isString x && match "[[:space:]]*" x == null; };
    singleLineStr = mkType { name = "singleLineStr"; description = "(optionally newline-terminated) single-line string"; check = x: isString x && match "[^\n]*\n?" x != null; };
    strMatching = pattern: mkType {
      name = "strMatching ${builtins.toJSON pattern}";
      description = "string matching the pattern ${pattern}";
      check = x: isString x && match pattern x != null;
    };
    inherit separatedString;
    lines = separatedString "\n";
    commas = separatedString ",";
    envVar = separatedString ":";
    string = separatedString "";
    passwdEntry = t: t;
    path = mkType {
      name = "path";
      check = x: isPath x || (isStringLike x && substring 0 1 (toString x) == "/");
    };
    pathInStore = path;
    package = mkType {
      name = "package";
      check = x: isDerivation x || isStringLike x;
      kind = "one";
    };
    shellPackage = package;
    attrs = mkType { name = "attrs"; description = "attribute set"; check = isAttrs; kind = "update"; };
    pkgs = mkType { name = "pkgs"; check = isAttrs; kind = "one"; };
    enum = values: mkType {
      name = "enum";
      description = "one of ${concatStringsSep ", " (map toPretty values)}";
      check = x: elem x values;
      functor = { payload = values; };
    };
    listOf = elemType: mkType {
      name = "listOf";
      description = "list of ${elemType.description}";
      check = isList;
      kind = "list";
      inherit elemType;
    };
    nonEmptyListOf = elemType: listOf elemType // { name = "nonEmptyListOf"; check = l: isList l && l != [ ]; };
    attrsOf = elemType: mkType {
      name = "attrsOf";
      description = "attribute set of ${elemType.description}";
      check = isAttrs;
      kind = "attrs";
      inherit elemType;
    };
    lazyAttrsOf = elemType: attrsOf elemType // { name = "lazyAttrsOf"; lazy = true; };
    attrsWith = { elemType, lazy ? false, ... }: if lazy then lazyAttrsOf elemType else attrsOf elemType;
    uniq = elemType: elemType // { name = "uniq"; kind = "one"; };
    unique = { message ? "" }: uniq;
    nullOr = elemType: mkType {
      name = "nullOr";
      description = "null or ${elemType.description}";
      check = x: x == null || elemType.check x;
      kind = "nullOr";
      inherit elemType;
    };
    either = left: right: mkType {
      name = "either";
      description = "${left.description} or ${right.description}";
      check = x: left.check x || right.check x;
      kind = "either";
      inherit left right;
    };
    oneOf = ts:
      if ts == [ ] then throw "types.oneOf needs at least one type"
      else foldl' either (head ts) (tail ts);
    coercedTo = from: coerce: to: mkType {
      name = "coercedTo";
      description = "${to.description} or ${from.description} convertible to it";
      check = x: to.check x || from.check x;
      kind = "coercedTo";
      inherit from coerce to;
    };
    functionTo = elemType: mkType {
      name = "functionTo";
      description = "function that evaluates to a(n) ${elemType.description}";
      check = isFunction;
      kind = "functionTo";
      inherit elemType;
    };
    submoduleWith = { modules, specialArgs ? { }, shorthandOnlyDefinesConfig ? false, description ? null, class ? null }: mkType {
      name = "submodule";
      description = if description == null then "submodule" else description;
      check = x: isAttrs x || isFunction x || isPath x;
      kind = "submodule";
      modules = toList modules;
      inherit specialArgs shorthandOnlyDefinesConfig;
    };
    submodule = modules: submoduleWith { modules = toList modules; shorthandOnlyDefinesConfig = true; };
    deferredModule = mkType {
      name = "deferredModule";
      description = "module";
      check = x: isAttrs x || isFunction x || isPath x;
      kind = "deferredModule";
    };
    deferredModuleWith = _: deferredModule;
    optionType = mkType { name = "optionType"; kind = "one"; };
  };

  # --------------------------------------------------------------- fileset
  # Inert: only the package builds that use them would read these.
  fileset = {
    toSource = { root, fileset }: { _type = "harness-fileset-source"; inherit root fileset; };
    unions = filesets: { _type = "fileset"; op = "unions"; inherit filesets; };
    union = a: b: fileset.unions [ a b ];
    intersection = a: b: { _type = "fileset"; op = "intersection"; filesets = [ a b ]; };
    difference = a: b: { _type = "fileset"; op = "difference"; filesets = [ a b ]; };
    maybeMissing = path: { _type = "fileset"; op = "maybeMissing"; inherit path; };
    fileFilter = pred: path: { _type = "fileset"; op = "fileFilter"; inherit path; };
    gitTracked = path: { _type = "fileset"; op = "gitTracked"; inherit path; };
    fromSource = source: { _type = "fileset"; op = "fromSource"; inherit source; };
  };

  # --------------------------------------------------------- packages meta
  license = shortName: spdxId: { inherit shortName spdxId; fullName = spdxId; free = true; };
  licenses = {
    mit = license "mit" "MIT";
    asl20 = license "asl20" "Apache-2.0";
    bsd3 = license "bsd3" "BSD-3-Clause";
    gpl2Only = license "gpl2Only" "GPL-2.0-only";
    gpl3Only = license "gpl3Only" "GPL-3.0-only";
    gpl3Plus = license "gpl3Plus" "GPL-3.0-or-later";
    mpl20 = license "mpl20" "MPL-2.0";
    unfree = license "unfree" "LicenseRef-unfree" // { free = false; };
  };
  platforms = {
    linux = [ "x86_64-linux" "aarch64-linux" "i686-linux" ];
    darwin = [ "x86_64-darwin" "aarch64-darwin" ];
    unix = platforms.linux ++ platforms.darwin;
    all = platforms.unix;
    x86_64 = [ "x86_64-linux" "x86_64-darwin" ];
    aarch64 = [ "aarch64-linux" "aarch64-darwin" ];
  };

  makeSearchPathOutput = output: subDir: pkgs:
    concatStringsSep ":" (map (p: "${getOutput output p}/${subDir}") (filter (p: p != null) pkgs));
  makeBinPath = makeSearchPathOutput "bin" "bin";
  makeLibraryPath = makeSearchPathOutput "lib" "lib";
  makeSearchPath = subDir: paths: concatStringsSep ":" (map (p: "${p}/${subDir}") (filter (p: p != null) paths));
  getExe = x: "${getBin x}/bin/${x.meta.mainProgram or (getName x)}";
  getExe' = x: exe: "${getBin x}/bin/${exe}";

  fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  fakeSha256 = "0000000000000000000000000000000000000000000000000000";
  fakeSha512 = "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";

  release = "25.05";

  # The whole lib, also under the sub-sets nixpkgs uses (lib.strings...).
  strings = {
    inherit hasPrefix hasSuffix removePrefix removeSuffix hasInfix escapeRegex splitString
      concatStrings concatMapStrings concatMapStringsSep concatImapStringsSep concatLines
      concatStringsSep optionalString toLower toUpper stringToCharacters escapeShellArg
      escapeShellArgs trim toInt fixedWidthString fixedWidthNumber isStringLike
      versionOlder versionAtLeast stringLength substring replaceStrings;
  };
  lists = {
    inherit optional optionals toList singleton flatten unique last init take drop sublist range
      count foldl foldr imap0 imap1 forEach reverseList findFirst remove subtractLists
      intersectLists zipListsWith zipLists ifilter0 head tail length elem elemAt filter map
      concatMap concatLists all any genList foldl';
    sort = builtins.sort;
    partition = builtins.partition;
    groupBy = builtins.groupBy;
  };
  attrsets = {
    inherit nameValuePair mapAttrs' mapAttrsToList attrsToList filterAttrs concatMapAttrs
      mergeAttrsList genAttrs optionalAttrs attrByPath hasAttrByPath getAttrFromPath
      setAttrByPath recursiveUpdateUntil recursiveUpdate zipAttrsWith zipAttrs foldAttrs
      foldlAttrs mapAttrsRecursiveCond mapAttrsRecursive filterAttrsRecursive collect
      isDerivation getBin getLib getDev getOutput mapAttrs attrNames attrValues
      removeAttrs listToAttrs;
    catAttrs = builtins.catAttrs;
    intersectAttrs = builtins.intersectAttrs;
  };
  trivial = {
    inherit id const flip pipe boolToString min max mod warn warnIf warnIfNot throwIf throwIfNot
      release;
    version = "${release}-harness";
    oldestSupportedRelease = 2411;
    isFunction = isFunction;
    functionArgs = functionArgs;
    importJSON = path: builtins.fromJSON (builtins.readFile path);
    importTOML = path: builtins.fromTOML (builtins.readFile path);
    inNixShell = false;
    seq = builtins.seq;
    deepSeq = builtins.deepSeq;
  };
  options = {
    inherit mkOption isOption mkEnableOption mkPackageOption mkPackageOptionMD
      mkSinkUndeclaredOptions literalExpression literalExample literalMD showOption showFiles
      getValues getFiles mdDoc;
  };
  modules = {
    inherit mkIf mkMerge mkOverride mkOptionDefault mkDefault mkImageMediaOverride mkForce
      mkVMOverride mkFixStrictness mkOrder mkBefore mkAfter defaultOverridePriority
      mkRenamedOptionModule mkRenamedOptionModuleWith mkAliasOptionModule
      mkAliasOptionModuleMD mkRemovedOptionModule;
  };
  debug = { traceVal = x: builtins.trace x x; traceSeq = x: y: builtins.trace (builtins.deepSeq x x) y; };
  generators = { inherit toPretty; };
in
strings // lists // attrsets // trivial // options // modules // {
  inherit strings lists attrsets trivial options modules types fileset licenses platforms
    versions debug generators assertMsg assertOneOf mkOptionType isStringLike
    makeSearchPathOutput makeBinPath makeLibraryPath makeSearchPath getExe getExe' getName
    getVersion fakeHash fakeSha256 fakeSha512;
  inherit (builtins) toString isAttrs isList isString isInt isBool isFloat isPath
    isFunction seq deepSeq elemAt readFile pathExists compareVersions sort partition
    groupBy hasAttr getAttr catAttrs intersectAttrs genericClosure addErrorContext
    unsafeGetAttrPos trace;
  # The harness's own helpers (not part of nixpkgs' lib).
  __harness = { inherit mkType toPretty; };
  maintainers = { };
  teams = { };
  isType = type: x: (x._type or null) == type;
  "or" = a: b: a || b;
  "and" = a: b: a && b;
  xor = a: b: a != b;
}
