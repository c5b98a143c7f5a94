# The module system of the test harness: collects modules (imports,
# functions, paths), declarations and definitions, and computes option
# values the way the NixOS module system does (see the NixOS manual,
# "Writing NixOS Modules", "Option Definitions" and "Option Types"):
#
# * Between namespaces (attribute sets that are not options), mkIf, mkMerge
#   and mkOverride are pushed down onto every attribute below them, without
#   evaluating any mkIf condition. So `x = mkIf c { a = 1; }` is
#   `x.a = mkIf c 1`, and `mkDefault { a = 1; }` gives `a` priority 1000.
# * At an option, mkMerge is expanded and mkIf conditions are evaluated
#   (false drops the definition), then only the definitions with the lowest
#   priority number are kept (plain 100, mkDefault 1000, mkForce 50, the
#   declared default 1500), then they are merged by the option's type.
# * A path no module declares is an "undeclared" option: an attribute set is
#   a namespace (as above), anything else is a leaf whose definitions must
#   all be equal (lists are concatenated, like the listOf options NixOS has
#   for them).
#
# Nothing is evaluated before a query needs it: `config` is a lazy fixpoint.
{ lib }:
let
  inherit (builtins)
    all any attrNames concatLists concatMap concatStringsSep elem filter
    foldl' functionArgs head isAttrs isBool isFunction isList isPath
    isString length listToAttrs map mapAttrs seq tail typeOf zipAttrsWith;
  inherit (lib) showOption hasPrefix genAttrs setAttrByPath take drop;
  inherit (lib.__harness) toPretty;

  # ------------------------------------------------------------ properties
  propType = v: if isAttrs v then v._type or null else null;

  # What is under the properties of a definition, found without evaluating
  # any mkIf condition.
  cores = v:
    let t = propType v; in
    if t == "merge" then concatMap cores v.contents
    else if t == "if" || t == "override" then cores v.content
    else [ v ];

  # An attribute set that stands for a set of options (not a value).
  isPlainSet = v:
    isAttrs v && !(v ? _type) && (v.type or null) != "derivation"
    && !(v ? outPath) && !(v ? __toString);

  # pushDownProperties: a definition of a namespace becomes a list of plain
  # attribute sets whose values carry the properties.
  pushDown = loc: file: v:
    let t = propType v; in
    if t == "merge" then concatMap (pushDown loc file) v.contents
    else if t == "if" then map (mapAttrs (_: lib.mkIf v.condition)) (pushDown loc file v.content)
    else if t == "override" then map (mapAttrs (_: lib.mkOverride v.priority)) (pushDown loc file v.content)
    else if isAttrs v then [ v ]
    else throw "The option `${showOption loc}' in `${file}' is a ${typeOf v} (${toPretty v}), but `${showOption loc}' holds options, so it must be an attribute set.";

  # dischargeProperties: at an option, expand mkMerge, evaluate mkIf.
  discharge = loc: file: v:
    let t = propType v; in
    if t == "merge" then concatMap (discharge loc file) v.contents
    else if t == "if" then
      if !isBool v.condition then
        throw "‘mkIf’ called with a non-Boolean condition (a ${typeOf v.condition}), in a definition of `${showOption loc}' in `${file}'."
      else if v.condition then discharge loc file v.content
      else [ ]
    else [ v ];

  prioOf = d: if propType d.value == "override" then d.value.priority else lib.defaultOverridePriority;
  filterOverrides = defs:
    let highest = foldl' (p: d: lib.min p (prioOf d)) 9999 defs; in
    {
      inherit highest;
      values = concatMap (d:
        if prioOf d != highest then [ ]
        else [ (if propType d.value == "override" then d // { value = d.value.content; } else d) ]) defs;
    };

  # NixOS only looks through mkIf/mkMerge before the priority and strips
  # one mkOverride; what is left must be a plain value.
  checkPlain = loc: d:
    let t = propType d.value; in
    if t == "if" || t == "merge" || t == "override" then
      throw "A definition for option `${showOption loc}' in `${d.file}' is still a property (${t}) once its priority is taken: NixOS does not look inside mkIf/mkMerge under mkOverride/mkDefault/mkForce (write `mkIf c (mkDefault v)`, not `mkDefault (mkIf c v)`)."
    else d;

  # ------------------------------------------------------------- messages
  showDefs = defs: concatStringsSep "" (map (d: "\n- In `${d.file}': ${toPretty d.value}") defs);
  prioritySuggestion = "\nUse `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.";
  showFiles = defs: concatStringsSep ", " (map (d: "`${d.file}'") defs);

  mergeEqual = loc: defs:
    let first = head defs; in
    if length defs == 1 then first.value
    else if all (d: d.value == first.value) (tail defs) then first.value
    else throw "The option `${showOption loc}' has conflicting definition values:${showDefs defs}${prioritySuggestion}";

  # NixOS's mergeOneOption. Its message does not say "conflicting
  # definition values"; the harness adds that when the values differ, so
  # that one phrase finds every conflict.
  mergeOne = loc: defs:
    let
      first = head defs;
      why =
        if all (d: d.value == first.value) (tail defs)
        then " (the values are equal, but this option takes one definition only)"
        else " (conflicting definition values)";
    in
    if length defs == 1 then first.value
    else throw "The option `${showOption loc}' is defined multiple times while it's expected to be unique${why}.\nDefinition values:${showDefs defs}${prioritySuggestion}";

  undefinedMarker = { _undefined = true; };

  # A value as it goes out through `--json`: paths stay paths (not copied to
  # the store), functions become a marker.
  sanitize = v:
    let t = typeOf v; in
    if t == "path" then toString v
    else if t == "lambda" then { _function = true; }
    else if t == "list" then map sanitize v
    else if t == "set" then
      if (v.type or null) == "derivation" then { _derivation = v.name or "?"; }
      else mapAttrs (_: sanitize) v
    else v;

  isPathLike = m: isPath m || (isString m && hasPrefix "/" m);

  # ------------------------------------------------------------ the nodes
  # A node is { defined; value; output; child = name: node; }.
  # `value` is what `config` shows (it throws when undefined), `output` what
  # a query returns (the marker when undefined).
  undefinedNode = msg: {
    defined = false;
    value = throw msg;
    output = undefinedMarker;
    child = _: undefinedNode msg;
  };

  constNode = loc: v: {
    defined = true;
    value = v;
    output = sanitize v;
    child = n:
      if isAttrs v && v ? ${n} then constNode (loc ++ [ n ]) v.${n}
      else undefinedNode "`${showOption (loc ++ [ n ])}' is not in the value of `${showOption loc}'.";
  };

  undeclaredMsg = loc:
    "The option `${showOption loc}' has no definition, and no module declares it (nixpkgs is not available to the test harness, so its NixOS default is unknown).";

  undeclaredType = lib.__harness.mkType { name = "undeclared"; description = "undeclared value"; kind = "undeclared"; };

  # ----------------------------------------------------------- evaluation
  evalModules =
    { modules                 # [ { m; file; key; } ]
    , specialArgs ? { }
    , moduleArgs ? { }        # defaults for module arguments (pkgs, modulesPath)
    , stubPrefixes ? [ ]      # imports under these paths are empty modules
    , prefix ? [ ]
    , renames ? [ ]           # [ { from; to; } ], absolute paths
    , freeformType ? null
    }:
    let
      self = {
        inherit config options nodeAt;
        root = rootNode;
        output = path: (nodeAt path).output;
        modules = collected;
      };

      allArgs = moduleArgs // specialArgs // {
        inherit config options;
        lib = specialArgs.lib or lib;
      };

      applyArgs = file: f:
        let
          fargs = functionArgs f;
          lookup = name:
            if allArgs ? ${name} then allArgs.${name}
            else config._module.args.${name} or (throw
              "The module `${file}' asks for the argument `${name}', which is neither a specialArg nor in `_module.args' (the test harness provides config, options, lib, pkgs (a stub), modulesPath and the flake's specialArgs).");
          names = filter (n: allArgs ? ${n} || !fargs.${n}) (attrNames fargs);
        in
        if fargs == { } then f allArgs else f (genAttrs names lookup);

      # -------------------------------------------------- loading modules
      load = item:
        let
          m = item.m;
          pathLike = isPathLike m;
          stubbed = pathLike && any (p: hasPrefix p (toString m)) stubPrefixes;
          file0 = if pathLike then toString m else item.file;
          raw0 = if stubbed then { } else if pathLike then import m else m;
          raw =
            if isFunction raw0 then
              let r = applyArgs file0 raw0; in
              if isFunction r then
                throw "The module `${file0}' is a function that returns a function; a module must return an attribute set (a curried module is imported as `(import ./m.nix { ... })')."
              else r
            else raw0;
          checked =
            if isAttrs raw then raw
            else throw "The module `${file0}' is a ${typeOf raw}, but a module must be an attribute set, a function returning one, or a path to a file containing one.";
          file = checked._file or file0;
          # Only an identity: a store path's context (a module named as
          # "${./x.nix}") must not stop it being an attribute name.
          key = builtins.unsafeDiscardStringContext (toString (checked.key or (if pathLike then toString m else item.key)));
          explicit = checked ? config || checked ? options;
          known = [ "_class" "_file" "key" "disabledModules" "imports" "options" "config" "meta" "freeformType" "__harnessRenames" ];
          extra = filter (n: !(elem n known)) (attrNames checked);
          imports = checked.imports or [ ];
        in
        {
          inherit key file;
          config =
            if !explicit then removeAttrs checked known
            else if extra == [ ] then checked.config or { }
            else throw "Module `${file}' has an unsupported attribute `${head extra}'. This is caused by introducing a top-level `config' or `options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${concatStringsSep " " extra}) into the explicit `config' attribute.";
          options = checked.options or { };
          importItems =
            if !isList imports then throw "The `imports' of module `${file}' is a ${typeOf imports}, not a list."
            else lib.imap1 (i: m: { inherit m file; key = "${key}:anon-${toString i}"; }) imports;
          disabled = checked.disabledModules or [ ];
          renames = map (r: { from = prefix ++ r.from; to = prefix ++ r.to; }) (checked.__harnessRenames or [ ]);
          freeformType = checked.freeformType or null;
        };

      # Breadth first, each key once (the first occurrence), the order in
      # which NixOS collects modules and so concatenates list definitions.
      walkAll = disabledKeys:
        let keep = filter (m: !(disabledKeys ? ${m.key})); in
        builtins.genericClosure {
          startSet = keep (map load modules);
          operator = m: keep (map load m.importItems);
        };
      firstPass = walkAll { };
      disabledKey = d:
        if isPath d then toString d
        else if isString d && hasPrefix "/" d then d
        else if isString d then "${toString (moduleArgs.modulesPath or "/")}/${d}"
        else toString (d.key or (throw "disabledModules: cannot tell which module ${toPretty d} is"));
      disabledKeys = listToAttrs (map (d: { name = disabledKey d; value = true; }) (concatMap (m: m.disabled) firstPass));
      collected = if disabledKeys == { } then firstPass else walkAll disabledKeys;

      # -------------------------------------------------- declarations
      mergeTypes = loc: a: b:
        if a.kind == "submodule" && b.kind == "submodule" then a // { modules = a.modules ++ b.modules; }
        else if a.name == b.name && a ? elemType && b ? elemType then a // { elemType = mergeTypes loc a.elemType b.elemType; }
        else if a.name == b.name && !(a ? elemType) then a
        else throw "The option `${showOption loc}' is declared twice, with the types `${a.description}' and `${b.description}', which cannot be merged.";

      mergeOptionDecls = loc: decls:
        let
          withDefault = filter (d: d.value ? default) decls;
          withType = filter (d: d.value ? type) decls;
        in
        if length withDefault > 1 then
          throw "The option `${showOption loc}' in `${(builtins.elemAt withDefault 1).file}' is already declared in `${(head withDefault).file}'."
        else
          foldl' (acc: d: acc // d.value) { } decls // {
            inherit loc;
            declarations = map (d: d.file) decls;
          } // lib.optionalAttrs (withType != [ ]) {
            type = foldl' (mergeTypes loc) (head withType).value.type (map (d: d.value.type) (tail withType));
          };

      mergeDecls = loc: decls:
        let
          byName = zipAttrsWith (_: vs: vs) (map (d:
            if isAttrs d.value then mapAttrs (_: v: { inherit (d) file; value = v; }) d.value
            else throw "The option declarations `${showOption loc}' in `${d.file}' are a ${typeOf d.value}, not an attribute set.") decls);
        in
        mapAttrs (n: vs:
          let
            l = loc ++ [ n ];
            opts = filter (d: lib.isOption d.value) vs;
            sets = filter (d: !(lib.isOption d.value)) vs;
          in
          if opts == [ ] then mergeDecls l sets
          else if sets != [ ] then
            throw "The option `${showOption l}' is declared as an option in ${showFiles opts} and as a set of options in ${showFiles sets}."
          else mergeOptionDecls l opts) byName;

      internalModule = {
        key = "harness:internal:${showOption prefix}";
        file = "<harness: module system>";
        config = { };
        importItems = [ ];
        disabled = [ ];
        renames = [ ];
        freeformType = null;
        options._module = {
          args = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; default = { }; };
          check = lib.mkOption { type = lib.types.bool; default = true; };
          freeformType = lib.mkOption { type = lib.types.nullOr lib.types.optionType; default = null; };
        };
      };

      decls = mergeDecls prefix
        (map (m: { inherit (m) file; value = m.options; }) ([ internalModule ] ++ collected));

      # The declaration tree as modules see it through `options`: each
      # option also carries its value and what the definitions were.
      options = mapDecls prefix decls;
      mapDecls = loc: ns: mapAttrs (n: d:
        let l = loc ++ [ n ]; in
        if lib.isOption d then
          let node = nodeAt (drop (length prefix) l); in
          d // {
            value = node.value;
            isDefined = node.defined;
            highestPrio = node.highestPrio or 9999;
            files = node.files or [ ];
            definitions = map (x: x.value) (node.final or [ ]);
            definitionsWithLocations = node.final or [ ];
            __toString = _: showOption l;
          }
        else mapDecls l d) ns;

      # ---------------------------------------------------- renames
      isPrefixOf = p: l: take (length p) l == p;
      relative = drop (length prefix);
      # Whether a proper prefix of `path` (relative) is a declared option:
      # such a rename belongs to that option's own evaluation.
      crossesOption = path:
        let
          go = ns: p:
            p != [ ] && tail p != [ ] && ns ? ${head p}
            && (lib.isOption ns.${head p} || go ns.${head p} (tail p));
        in go decls path;
      allRenames = renames ++ concatMap (m: m.renames) collected;
      localRenames = filter (r:
        isPrefixOf prefix r.from && isPrefixOf prefix r.to && !crossesOption (relative r.from)) allRenames;
      inheritedRenames = filter (r: !(elem r localRenames)) allRenames;

      moduleDefs = map (m: { inherit (m) file; value = m.config; }) collected;
      defsAt = path: defs:
        if path == [ ] then defs
        else defsAt (tail path) (concatMap (d:
          concatMap (v: if v ? ${head path} then [ { inherit (d) file; value = v.${head path}; } ] else [ ])
            (pushDown prefix d.file d.value)) defs);
      renamedDefs = concatMap (r:
        map (d: { inherit (d) file; value = setAttrByPath (relative r.to) d.value; })
          (defsAt (relative r.from) moduleDefs)) localRenames;

      # ---------------------------------------------------- freeform
      freeform =
        let fromModules = filter (t: t != null) (map (m: m.freeformType) collected); in
        if fromModules != [ ] then head fromModules
        else if freeformType != null then freeformType
        else config._module.freeformType;
      freeformElem =
        if freeform == null then null
        else if freeform.kind == "attrs" then freeform.elemType
        else freeform;

      # ---------------------------------------------------- the tree
      rootNode = nsNode prefix decls (moduleDefs ++ renamedDefs);
      config = rootNode.value;
      nodeAt = path: foldl' (node: n: node.child n) rootNode path;

      mkNode = loc: decl: defs:
        if decl != null && lib.isOption decl then optionNode loc decl defs
        else if decl != null then nsNode loc decl defs
        else if length loc == length prefix + 1 && freeformElem != null then
          typedNode loc freeformElem defs (undeclaredMsg loc)
        else if defs != [ ] && all isPlainSet (concatMap (d: cores d.value) defs) then nsNode loc { } defs
        else typedNode loc undeclaredType defs (undeclaredMsg loc);

      # The old name of a renamed option reads as the new one (like the
      # alias NixOS declares), and is left out of its namespace's results.
      renameSources = listToAttrs (map (r: { name = showOption r.from; value = r; }) localRenames);
      mkChild = loc: decl: defs:
        let r = renameSources.${showOption loc} or null; in
        if r != null && decl == null then nodeAt (relative r.to) // { hidden = true; }
        else mkNode loc decl defs;

      nsNode = loc: declNs: defs:
        let
          pushed = concatMap (d: map (v: { inherit (d) file; value = v; }) (pushDown loc d.file d.value)) defs;
          byName = zipAttrsWith (_: vs: vs) (map (d: mapAttrs (_: v: { inherit (d) file; value = v; }) d.value) pushed);
          children = mapAttrs (n: _: mkChild (loc ++ [ n ]) (declNs.${n} or null) (byName.${n} or [ ])) (declNs // byName);
        in
        {
          defined = true;
          value = mapAttrs (_: c: c.value) children;
          # `_module' (the module system's own options) is left out of
          # query results, as it is of everything NixOS builds from config.
          output = mapAttrs (_: c: c.output) (lib.filterAttrs (n: c: c.defined && !(c.hidden or false) && n != "_module") children);
          child = n: children.${n} or (mkChild (loc ++ [ n ]) null [ ]);
        };

      optionNode = loc: opt: defs:
        let
          type = opt.type or lib.types.unspecified;
          defaultDefs = lib.optional (opt ? default) {
            file = head opt.declarations;
            value = lib.mkOptionDefault opt.default;
          };
          node = typedNode loc type (defaultDefs ++ defs) "The option `${showOption loc}' is used but not defined.";
          readOnly =
            if (opt.readOnly or false) && length node.final > 1 then
              throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs node.final}"
            else true;
          value = seq readOnly (if opt ? apply then opt.apply node.value else node.value);
        in
        if opt ? apply then
          node // {
            inherit value;
            output = if node.defined then sanitize value else undefinedMarker;
            child = n: if node.defined then (constNode loc value).child n else node.child n;
          }
        else node // { inherit value; };

      typedNode = loc: type: defs: undefinedMsg:
        let
          discharged = concatMap (d: map (v: { inherit (d) file; value = v; }) (discharge loc d.file d.value)) defs;
          filtered = filterOverrides discharged;
          final = map (checkPlain loc) filtered.values;
          defined = final != [ ];
          merged = mergeType loc type final;
        in
        if !defined then undefinedNode undefinedMsg // { highestPrio = filtered.highest; inherit final; files = [ ]; }
        else merged // {
          defined = true;
          highestPrio = filtered.highest;
          inherit final;
          files = map (d: d.file) final;
        };

      # Type-check the definitions (like NixOS, before merging), then merge.
      mergeType = loc: type: defs:
        let
          checks = foldl' (ok: d:
            if type.check d.value then ok
            else throw "A definition for option `${showOption loc}' is not of type `${type.description}'. Definition values:${showDefs [ d ]}") true defs;
          r = mergeUnchecked loc type defs;
        in r // { value = seq checks r.value; output = seq checks r.output; };

      valueResult = loc: v: constNode loc v;

      mergeUnchecked = loc: type: defs:
        let
          kind = type.kind;
          values = map (d: d.value) defs;
        in
        if kind == "equal" then valueResult loc (mergeEqual loc defs)
        else if kind == "one" then valueResult loc (mergeOne loc defs)
        else if kind == "separated" then valueResult loc (concatStringsSep type.sep values)
        else if kind == "or" then valueResult loc (any (x: x) values)
        else if kind == "update" then valueResult loc (foldl' (a: b: a // b) { } values)
        else if kind == "undeclared" then
          valueResult loc (if all isList values then concatLists values else mergeEqual loc defs)
        else if kind == "list" then
          valueResult loc (concatLists (lib.imap1 (i: d:
            concatMap (e: e) (lib.imap1 (j: v:
              let n = typedNode (loc ++ [ "[definition ${toString i}-entry ${toString j}]" ]) type.elemType [ { inherit (d) file; value = v; } ] ""; in
              if n.defined then [ n.value ] else [ ]) d.value)) defs))
        else if kind == "attrs" then attrsResult loc type.elemType (type.lazy or false) defs
        else if kind == "submodule" then submoduleResult loc type defs
        else if kind == "nullOr" then
          let nulls = filter (v: v == null) values; in
          if length nulls == length values then valueResult loc null
          else if nulls != [ ] then
            throw "The option `${showOption loc}' is defined both null and not null, in ${showFiles defs}."
          else mergeType loc type.elemType defs
        else if kind == "either" then
          if all type.left.check values then mergeType loc type.left defs
          else if all type.right.check values then mergeType loc type.right defs
          else valueResult loc (mergeOne loc defs)
        else if kind == "coercedTo" then
          mergeType loc type.to (map (d:
            if type.from.check d.value && !(type.to.check d.value) then d // { value = type.coerce d.value; } else d) defs)
        else if kind == "functionTo" then
          valueResult loc (args:
            (typedNode (loc ++ [ "<function body>" ]) type.elemType (map (d: d // { value = d.value args; }) defs) "").value)
        else if kind == "deferredModule" then
          valueResult loc { imports = map (d: { _file = d.file; imports = [ d.value ]; }) defs; }
        else if kind == "anything" then anythingResult loc defs
        else if kind == "unspecified" then valueResult loc (mergeDefault loc defs)
        else if kind == "custom" then valueResult loc (type.merge loc defs)
        else throw "test harness: no merge for option type kind `${kind}' (option `${showOption loc}')";

      attrsResult = loc: elemType: lazy: defs:
        let
          byName = zipAttrsWith (_: vs: vs) (map (d: mapAttrs (_: v: { inherit (d) file; value = v; }) d.value) defs);
          children = mapAttrs (n: ds: typedNode (loc ++ [ n ]) elemType ds "The option `${showOption (loc ++ [ n ])}' is used but not defined.") byName;
          present = if lazy then children else lib.filterAttrs (_: c: c.defined) children;
        in
        {
          value = mapAttrs (_: c: c.value) present;
          output = mapAttrs (_: c: c.output) (lib.filterAttrs (_: c: c.defined) children);
          child = n: children.${n} or (undefinedNode "The option `${showOption (loc ++ [ n ])}' is used but not defined.");
        };

      submoduleResult = loc: type: defs:
        let
          sub = evalModules {
            modules =
              lib.imap1 (i: m: { inherit m; file = "<submodule type of ${showOption loc}>"; key = "${showOption loc}:type-${toString i}"; }) type.modules
              ++ lib.imap1 (i: d: {
                m =
                  if type.shorthandOnlyDefinesConfig && isAttrs d.value && !(d.value ? _type) then { _file = d.file; config = d.value; }
                  else { _file = d.file; imports = [ d.value ]; };
                inherit (d) file;
                key = "${showOption loc}:definition-${toString i}";
              }) defs;
            specialArgs = specialArgs // type.specialArgs // { name = lib.last loc; };
            inherit moduleArgs stubPrefixes;
            prefix = loc;
            renames = filter (r: isPrefixOf loc r.from && isPrefixOf loc r.to) inheritedRenames;
          };
        in
        {
          value = sub.config;
          output = sub.root.output;
          child = sub.root.child;
        };

      anythingResult = loc: defs:
        let
          values = map (d: d.value) defs;
          kindOf = v:
            if isAttrs v && isPlainSet v then "set"
            else if isAttrs v && (v ? outPath || v ? __toString) then "stringlike"
            else typeOf v;
          kinds = lib.unique (map kindOf values);
          k = head kinds;
        in
        if length kinds > 1 then
          throw "The option `${showOption loc}' has conflicting option types in ${showFiles defs}."
        else if k == "set" then attrsResult loc lib.types.anything false defs
        else if k == "list" then
          if length defs > 1 then throw "The option `${showOption loc}' has conflicting definitions, in ${showFiles defs}."
          else valueResult loc (head values)
        else if k == "lambda" then
          valueResult loc (arg: (typedNode (loc ++ [ "<function body>" ]) lib.types.anything (map (d: d // { value = d.value arg; }) defs) "").value)
        else valueResult loc (mergeEqual loc defs);

      mergeDefault = loc: defs:
        let values = map (d: d.value) defs; in
        if length defs == 1 then head values
        else if all isFunction values then x: mergeDefault loc (map (d: d // { value = d.value x; }) defs)
        else if all isList values then concatLists values
        else if all isAttrs values then foldl' (a: b: a // b) { } values
        else if all isBool values then any (x: x) values
        else if all isString values then lib.concatStrings values
        else if all (v: v == head values) values then head values
        else throw "Cannot merge definitions of `${showOption loc}'. Definition values:${showDefs defs}";
    in
    self;
in
{
  inherit evalModules;
}
