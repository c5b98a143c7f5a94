# Evaluates option values of one host of a NixOS flake, without nixpkgs.
#
#   nix-instantiate --eval --strict --json test/harness/eval.nix \
#     --argstr flakeDir /abs/flake --argstr host kernelcore \
#     --argstr queryJson '{"nix.settings.max-jobs":["nix","settings","max-jobs"]}'
#
# or from Nix: import ./eval.nix { flake = ./some/flake; host = "h"; query = [ [ "a" "b" ] ]; }
#
# Arguments:
#   flake / flakeDir  the flake directory (a path, or an absolute path string)
#   host              the name under nixosConfigurations
#   query / queryJson a list of option paths (lists of attribute names), or an
#                     attribute set from result name to option path
#   stubInputs / stubInputsJson
#                     per input name, what its stub provides, merged over the
#                     generated stub: `{ home-manager.nixosModules.home-manager
#                     = ./hm-stub.nix; }`. In JSON a module is an absolute
#                     path string, or null for an empty module; a list of
#                     names gives empty modules of those names.
#   nixpkgsShapes     declare the nixpkgs options whose shape changes how
#                     priorities apply (nix.settings and boot.kernel.sysctl
#                     are submodules in NixOS); false treats them as plain
#                     namespaces like every other undeclared path
#   renames           extra renames [ { from = [ ... ]; to = [ ... ]; } ]
#
# Result: an attribute set from the dotted option name (or the query's own
# name) to its value; `{ _undefined = true; }` when nothing defines it.
{ flake ? null
, flakeDir ? null
, host
, query ? null
, queryJson ? null
, stubInputs ? { }
, stubInputsJson ? null
, nixpkgsShapes ? true
, renames ? [ ]
}:
let
  lib = import ./lib.nix;
  inherit (import ./modules.nix { inherit lib; }) evalModules;
  inherit (builtins) attrNames concatMap filter head isAttrs isList isString listToAttrs map
    mapAttrs match pathExists readDir readFile split;

  flakePath =
    if flake != null then flake
    else if flakeDir != null then /. + flakeDir
    else throw "eval.nix: pass `flake' (a path) or `flakeDir' (an absolute path string)";
  flakeFile = flakePath + "/flake.nix";
  flakeLabel = toString flakeFile;
  flakeExpr =
    if pathExists flakeFile then import flakeFile
    else throw "eval.nix: there is no flake.nix in ${toString flakePath}";

  # nixpkgs' modulesPath does not exist here: every import below it (like
  # installer/scan/not-detected.nix) is an empty module. It is a string, not
  # a path, so that "${modulesPath}/..." does not try to copy it to the store.
  modulesPath = "/harness-stub/nixpkgs/nixos/modules";
  pkgsStub = throw "test harness: `pkgs' is a stub (nixpkgs is not available), and this evaluation needed a package from it.";

  # ------------------------------------------------------------- inputs
  inputSpecs = flakeExpr.inputs or { };

  # Every `nixosModules.<name>` (and `overlays.<name>`) the flake's own .nix
  # files mention: the stubs provide exactly those names, as empty modules.
  nixFiles = dir:
    let entries = readDir dir; in
    concatMap (n:
      let t = entries.${n}; p = dir + "/${n}"; in
      if t == "directory" && match "(\\..*|node_modules|result.*)" n == null then nixFiles p
      else if t == "regular" && match ".*\\.nix" n != null then [ p ]
      else [ ]) (attrNames entries);
  mentioned = attr:
    let
      re = "${attr}[.]([A-Za-z_][A-Za-z0-9_'-]*|\"[^\"]*\")";
      fromFile = f: map (m: lib.removeSuffix "\"" (lib.removePrefix "\"" (head m))) (filter isList (split re (readFile f)));
    in lib.unique ([ "default" ] ++ concatMap fromFile (nixFiles flakePath));
  moduleNames = mentioned "nixosModules";
  overlayNames = mentioned "overlays";

  userStubs =
    if stubInputsJson == null then stubInputs
    else mapAttrs (_: s:
      if isList s then { nixosModules = lib.genAttrs s (_: null); }
      else s // lib.optionalAttrs (s ? nixosModules) {
        nixosModules =
          if isList s.nixosModules then lib.genAttrs s.nixosModules (_: null)
          else s.nixosModules;
      }) (builtins.fromJSON stubInputsJson);
  emptyModule = input: name: {
    _file = "<stub of input ${input}>.nixosModules.${name}";
    key = "harness-stub:${input}.nixosModules.${name}";
  };
  stubModule = input: name: m:
    if m == null then emptyModule input name
    else if isString m then /. + m
    else m;

  isNixpkgs = name: spec:
    lib.hasPrefix "nixpkgs" name
    || (isAttrs spec && match ".*[Nn]ix[Oo][Ss]/nixpkgs.*" (spec.url or "") != null)
    || (isString spec && match ".*[Nn]ix[Oo][Ss]/nixpkgs.*" spec != null);

  nixpkgsLib = lib // {
    # What the harness needs from nixosSystem is its arguments; extendModules
    # gives the same host with more modules, as NixOS's does.
    nixosSystem = args: args // {
      _harnessNixosSystem = true;
      extendModules = extra: nixpkgsLib.nixosSystem (args // extra // {
        modules = (args.modules or [ ]) ++ (extra.modules or [ ]);
        specialArgs = (args.specialArgs or { }) // (extra.specialArgs or { });
      });
    };
  };

  stubInput = name:
    let
      spec = inputSpecs.${name} or { };
      user = userStubs.${name} or { };
      generated = {
        _type = "flake";
        outPath = "/harness-stub/inputs/${name}";
        inputs = { };
        nixosModules = lib.genAttrs moduleNames (emptyModule name);
        overlays = lib.genAttrs overlayNames (_: final: prev: { });
      } // lib.optionalAttrs (isNixpkgs name spec) { lib = nixpkgsLib; };
    in
    if isAttrs spec && (spec.flake or true) == false then
      # A non-flake input is just its source tree.
      { outPath = "/harness-stub/inputs/${name}"; } // user
    else
      generated // removeAttrs user [ "nixosModules" ] // lib.optionalAttrs (user ? nixosModules) {
        nixosModules = generated.nixosModules // mapAttrs (stubModule name) user.nixosModules;
      };

  inputs = lib.genAttrs (attrNames inputSpecs ++ filter (n: !(inputSpecs ? ${n})) (attrNames userStubs)) stubInput
    // { self = self; };
  outputs = flakeExpr.outputs inputs;
  self = outputs // {
    _type = "flake";
    outPath = toString flakePath;
    inputs = removeAttrs inputs [ "self" ];
    sourceInfo = { outPath = toString flakePath; };
    # A dirty tree, like an uncommitted checkout: there is no `rev'.
    dirtyRev = "0000000000000000000000000000000000000000-dirty";
    dirtyShortRev = "0000000-dirty";
    lastModified = 0;
    lastModifiedDate = "19700101000000";
  };

  # ------------------------------------------------------------- the host
  hosts = outputs.nixosConfigurations or { };
  system =
    if !(hosts ? ${host}) then
      throw "eval.nix: the flake ${toString flakePath} has no nixosConfigurations.${host} (it has: ${builtins.concatStringsSep ", " (attrNames hosts)})"
    else if !(hosts.${host}._harnessNixosSystem or false) then
      throw "eval.nix: nixosConfigurations.${host} is not built with nixpkgs.lib.nixosSystem, which is the only builder the harness stubs"
    else hosts.${host};

  # nixpkgs option shapes that matter for priorities and conflicts, as
  # nixpkgs declares them (types only: no defaults, so an option nothing
  # defines stays undefined). Both are submodule options in NixOS: an
  # mkOverride around the whole attribute set is weighed against the other
  # definitions of the whole set (and dropped when it loses) before the
  # attributes inside are merged.
  shapes = { lib, ... }:
    let
      t = lib.types;
      atom = t.nullOr (t.oneOf [ t.bool t.int t.float t.str t.path t.package ]);
    in
    {
      _file = "<harness: nixpkgs option shapes>";
      options.nix.settings = lib.mkOption {
        type = t.submodule {
          freeformType = t.attrsOf (t.either atom (t.listOf atom));
          options.max-jobs = lib.mkOption { type = t.either t.int (t.enum [ "auto" ]); };
          options.cores = lib.mkOption { type = t.int; };
        };
        default = { };
      };
      # Each entry merges with mergeOneOption in NixOS: two definitions at
      # the same priority are an error even when their values are equal.
      options.boot.kernel.sysctl = lib.mkOption {
        type = t.submodule { freeformType = t.attrsOf (t.uniq (t.nullOr (t.oneOf [ t.bool t.str t.int ]))); };
        default = { };
      };
    };

  # Definitions under the old names are definitions of the new ones: the
  # legacy nix.* names nixpkgs renames into nix.settings, and the nix.conf
  # aliases build-cores and build-max-jobs.
  legacyNixNames = {
    useSandbox = "sandbox";
    buildCores = "cores";
    maxJobs = "max-jobs";
    sandboxPaths = "extra-sandbox-paths";
    binaryCaches = "substituters";
    trustedBinaryCaches = "trusted-substituters";
    binaryCachePublicKeys = "trusted-public-keys";
    autoOptimiseStore = "auto-optimise-store";
    requireSignedBinaryCaches = "require-sigs";
    trustedUsers = "trusted-users";
    allowedUsers = "allowed-users";
    systemFeatures = "system-features";
  };
  defaultRenames =
    lib.mapAttrsToList (old: new: { from = [ "nix" old ]; to = [ "nix" "settings" new ]; }) legacyNixNames
    ++ [
      { from = [ "nix" "settings" "build-cores" ]; to = [ "nix" "settings" "cores" ]; }
      { from = [ "nix" "settings" "build-max-jobs" ]; to = [ "nix" "settings" "max-jobs" ]; }
    ];

  evaluated = evalModules {
    modules =
      lib.optional nixpkgsShapes { m = shapes; file = "<harness: nixpkgs option shapes>"; key = "harness:shapes"; }
      ++ lib.imap1 (i: m: { inherit m; file = flakeLabel; key = "${flakeLabel}:nixosConfigurations.${host}.modules:${toString i}"; })
        (system.modules or [ ]);
    specialArgs = system.specialArgs or { };
    moduleArgs = { inherit modulesPath; pkgs = pkgsStub; };
    stubPrefixes = [ modulesPath ];
    renames = defaultRenames ++ renames;
  };

  # ------------------------------------------------------------- queries
  queries =
    let q = if queryJson != null then builtins.fromJSON queryJson else query; in
    if q == null then throw "eval.nix: pass `query' or `queryJson'"
    else if isList q then listToAttrs (map (p: { name = lib.showOption p; value = p; }) q)
    else q;
in
mapAttrs (_: path: evaluated.output path) queries
