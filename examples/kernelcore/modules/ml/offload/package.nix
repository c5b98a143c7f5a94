# unified-llm, built from the crate next to this file.
#
# Release profile uses fat LTO with one codegen unit: small fast binary,
# but the final link is where rustc peaked at 7GB+ on kernelcore.
{ lib, rustPlatform }:

rustPlatform.buildRustPackage {
  pname = "unified-llm";
  version = "0.3.1";

  src = lib.fileset.toSource {
    root = ./.;
    fileset = lib.fileset.unions [
      ./Cargo.toml
      ./Cargo.lock
      ./src
    ];
  };

  cargoLock.lockFile = ./Cargo.lock;

  meta = {
    description = "One local endpoint in front of ollama and remote LLM backends";
    license = lib.licenses.mit;
    mainProgram = "unified-llm";
    platforms = lib.platforms.linux;
  };
}
