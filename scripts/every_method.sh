# Sourced by the scripts that run every registered method (method_table.sh, diagnostics_scan.sh):
# moves to the repository root, builds the CLI in Release and sets
#   cli      the command that runs sslsharp
#   methods  $METHODS if set, else every registered method name
# shellcheck shell=bash
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build src/SslSharp.Cli -c Release -v q -nologo > /dev/null
cli=(dotnet src/SslSharp.Cli/bin/Release/net10.0/SslSharp.Cli.dll)
methods=${METHODS:-$("${cli[@]}" methods --names)}
