#!/usr/bin/env bash
# Run Apache Jena command-line tools from Debian 12's libapache-jena-java (4.5.0).
#
#   jena.sh riot    [riot args...]     -> riotcmd.riot
#   jena.sh sparql  [sparql args...]   -> arq.sparql
#   jena.sh rsparql [rsparql args...]  -> arq.rsparql
#   jena.sh some.main.Class [args...]  -> any other Jena command class (arq.qparse, shacl, tdb2.tdbloader, ...)
#
# Needs (Debian 12): apt-get install -y --no-install-recommends \
#     libapache-jena-java openjdk-17-jre-headless unzip
#
# Debian packaging bug worked around here: Debian's jena-core.jar has the shaded
# Xerces *classes* relocated to the package `xerces.*`, but its *resource bundles*
# stayed under org/apache/jena/ext/xerces/...  The classes ask for e.g. the bundle
# "xerces.impl.xpath.regex.message"; it is missing, so compiling the built-in XSD
# pattern facets fails and Jena's init dies with
#   RuntimeException: internal error at xerces.impl.dv.xs.XSSimpleTypeDecl.applyFacets1
# We copy those .properties files (from the installed jena-core.jar) to
# xerces/... in a cache directory and put that directory on the classpath.
#
# Environment:
#   JENA_LOG_LEVEL   slf4j-simple level: error|warn|info|debug (default: warn;
#                    parse errors/warnings from riot are logged at these levels)
#   JENA_JAVA_OPTS   extra JVM options (e.g. -Xmx2g)
#   JAVA             java binary (default: java on PATH)
#   JENA_CACHE_DIR   where the fixed-up resources go
#                    (default: ${XDG_CACHE_HOME:-$HOME/.cache}/jena-debian)
set -euo pipefail

usage() { echo "usage: $(basename "$0") riot|sparql|rsparql|<main.Class> [args...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
tool=$1; shift
case "$tool" in
  riot)    main=riotcmd.riot ;;
  sparql)  main=arq.sparql ;;
  rsparql) main=arq.rsparql ;;
  -h|--help) usage ;;
  *.*)     main=$tool ;;
  *)       echo "jena.sh: unknown tool '$tool'" >&2; usage ;;
esac

JAVA=${JAVA:-java}
command -v "$JAVA" >/dev/null 2>&1 || { echo "jena.sh: java not found (apt-get install openjdk-17-jre-headless)" >&2; exit 127; }

J=/usr/share/java
# Fixed list of unversioned jar names installed by `apt-get install libapache-jena-java`
# (the package itself + its Depends). Logging: slf4j-simple binding (in libslf4j-java),
# commons-logging calls from httpclient/jsonld-java routed via jcl-over-slf4j.
JARS=(
  jena-base jena-core jena-iri jena-arq jena-cmds jena-rdfconnection
  jena-shacl jena-shex jena-tdb jena-tdb2
  jena-dboe-base jena-dboe-index jena-dboe-storage jena-dboe-trans-data jena-dboe-transaction
  slf4j-api slf4j-simple jcl-over-slf4j
  commons-cli commons-codec commons-compress commons-csv commons-io commons-lang3
  dexx.collection gson guava
  jackson-core jackson-databind jackson-annotations jsonld-java
  titanium-json-ld jakarta.json-api
  thrift protobuf
  httpcore httpclient httpclient-cache
)
CP=
for j in "${JARS[@]}"; do
  f=$J/$j.jar
  [ -f "$f" ] || { echo "jena.sh: missing $f (apt-get install libapache-jena-java)" >&2; exit 1; }
  CP=${CP:+$CP:}$f
done

# --- workaround for the relocated-xerces resource bundles (see header) ---
core=$J/jena-core.jar
key=$(stat -L -c '%s-%Y' "$core")
base=${JENA_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/jena-debian}
res=$base/xerces-res-$key
if [ ! -f "$res/.ok" ]; then
  if ! mkdir -p "$base" 2>/dev/null || [ ! -w "$base" ]; then
    base=$(mktemp -d "${TMPDIR:-/tmp}/jena-debian.XXXXXX"); res=$base/xerces-res-$key
  fi
  tmp=$(mktemp -d "$base/.tmp.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$core" 'org/apache/jena/ext/xerces/*' -d "$tmp"
  elif command -v python3 >/dev/null 2>&1; then
    python3 - "$core" "$tmp" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith("org/apache/jena/ext/xerces/")])
PY
  else
    echo "jena.sh: need unzip (apt-get install unzip) or python3 to extract resources from $core" >&2
    exit 1
  fi
  [ -f "$tmp/org/apache/jena/ext/xerces/impl/xpath/regex/message.properties" ] \
    || { echo "jena.sh: expected resources not found in $core" >&2; exit 1; }
  mkdir -p "$tmp/out"
  mv "$tmp/org/apache/jena/ext/xerces" "$tmp/out/xerces"
  touch "$tmp/out/.ok"
  # atomic rename; fails harmlessly if a concurrent run already put $res in place
  mv -T "$tmp/out" "$res" 2>/dev/null || true
  rm -rf "$tmp"; trap - EXIT
fi
CP=$CP:$res

lvl=${JENA_LOG_LEVEL:-warn}
# shellcheck disable=SC2086
exec "$JAVA" ${JENA_JAVA_OPTS:-} \
  -Dorg.slf4j.simpleLogger.defaultLogLevel="$lvl" \
  -Dorg.slf4j.simpleLogger.logFile=System.err \
  -Dorg.slf4j.simpleLogger.showThreadName=false \
  -Dorg.slf4j.simpleLogger.showShortLogName=true \
  -cp "$CP" "$main" "$@"
