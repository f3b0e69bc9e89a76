#!/bin/sh
# Copies the pinned front-end libraries of package.json (exact versions, package-lock.json)
# from the npm registry into static/vendor/, with their licences. The copies are committed,
# so running the product and its tests needs no npm; run this (`make vendor`) only after
# changing a version in package.json. To vendor another library: add it to package.json,
# then a `copy` line below naming the built file the page loads.
set -eu
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
rm -rf static/vendor
copy() { # copy PACKAGE FILE...: the files (paths inside the package) and the package's licence
    package=$1
    shift
    dest="static/vendor/$package"
    mkdir -p "$dest"
    for file in "$@"; do cp "node_modules/$package/$file" "$dest/"; done
    for licence in LICENSE LICENSE.md LICENSE.txt; do
        [ -f "node_modules/$package/$licence" ] && cp "node_modules/$package/$licence" "$dest/"
    done
    version=$(node -p "require('./node_modules/$package/package.json').version")
    echo "$package $version" >"$dest/VERSION"
}
copy @vonage/client-sdk dist/vonageClientSDK.min.js
copy chart.js dist/chart.umd.min.js
copy swagger-ui-dist swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css
echo "vendored into static/vendor/:" && find static/vendor -type f | sort
