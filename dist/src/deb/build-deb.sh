#!/bin/sh
# Builds the Debian package strata_VERSION_all.deb from the install tree (called by the dist module's build):
#
#   build-deb.sh TREE VERSION STAGING OUTPUT
#
# /opt/strata holds the tree, without its class-data-sharing archives (bound to the build's path and JDK), and
# /lib/systemd/system the unit, taken from the tree's lib/systemd/. The files of etc/ are conffiles: dpkg keeps an
# administrator's changes on upgrades. Ownership is root's (dpkg-deb --root-owner-group, no fakeroot needed);
# postinst creates the strata user and the directories the daemon writes.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
tree=$1
version=$2
stage=$3
out=$4

rm -rf "$stage"
mkdir -p "$stage/opt/strata" "$stage/lib/systemd/system" "$stage/DEBIAN"
# the tree's own parts only: a daemon run from the build's tree leaves var/ and run/ there
for dir in bin lib bundle deploy etc; do
    cp -R "$tree/$dir" "$stage/opt/strata/"
done
rm -rf "$stage"/opt/strata/lib/cds
mv "$stage/opt/strata/lib/systemd/strata.service" "$stage/lib/systemd/system/"
rmdir "$stage/opt/strata/lib/systemd"
chmod -R u=rwX,go=rX "$stage/opt" "$stage/lib"
chmod 0755 "$stage"/opt/strata/bin/*

# Debian versions sort "~" before anything: 1.0~SNAPSHOT comes before 1.0
deb_version=$(echo "$version" | sed 's/-/~/g')
size=$(du -sk "$stage/opt" "$stage/lib" | awk '{ total += $1 } END { print total }')
sed -e "s/@VERSION@/$deb_version/" -e "s/@INSTALLED_SIZE@/$size/" "$src/control" > "$stage/DEBIAN/control"
(cd "$stage" && find opt/strata/etc -type f | sed 's|^|/|' | sort) > "$stage/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    cp "$src/$script" "$stage/DEBIAN/$script"
    chmod 0755 "$stage/DEBIAN/$script"
done
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"

dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
