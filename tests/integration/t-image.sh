#!/bin/bash
# veneer image import/ls/rm and veneer run --image, with images made here
# (no network) by umoci and skopeo from directory trees:
#   - base: busybox and its libraries, Env, WorkingDir and Cmd set; top:
#     base's layer and one more (a file changed, one added, one deleted:
#     a whiteout), Entrypoint sh -c and Cmd; other: base's layer and
#     another; user, numeric, ghost: base with User nobody, 1000:1000
#     and one its /etc/passwd has not;
#   - import: each layer unpacked once, under its digest; an image with
#     base's layer says it is shared and does not unpack it again; the
#     store holds one directory per distinct layer; ls lists them sorted;
#     a tag whose entry is an index (one manifest per platform) gives
#     this machine's manifest; an image with a layer twice runs; layers
#     recompressed with zstd are the same layers (shared by content);
#   - run --image: the config's Env (before --env/--unsetenv), WorkingDir
#     (--chdir wins), Cmd, Entrypoint + COMMAND; the top layer's changes
#     over the base's, the deleted file gone; User: the command runs as
#     that user (ids, groups, HOME, permissions, owner of what it makes;
#     refused with one line on the rungs without presented identities),
#     a user not in /etc/passwd refused; --image with --lower refused;
#   - rm: the shared layer stays while an image uses it, goes with the
#     last; an image's layers stay while a sandbox runs over the store,
#     and go with the next collection; an unknown name is one line;
#   - two imports at once both land, the store whole;
#   - bad input: a missing blob, a flipped byte, a wrong size, a layer
#     whose content is not its diff_id, a tag the layout has not, not a
#     layout, index.json not JSON: exit 125, one line, the store as it was.
# it-timeout: 300
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd umoci skopeo busybox gzip zstd setfattr

export HOME=$T/home XDG_DATA_HOME=$T/data
mkdir -p "$HOME"
STORE=$XDG_DATA_HOME/veneer/images
cd "$T"

# ------------------------------------------------------------ the images
busybox=$(command -v busybox)
umoci_do() { # ARGS...: umoci, its output shown when it fails
	umoci "$@" >"$T/umoci.out" 2>&1 || { show_file "umoci $*" "$T/umoci.out"; fail "umoci $1 failed"; }
}
umoci_do init --layout oci
umoci_do new --image oci:base
umoci_do unpack --rootless --image oci:base b1
r=b1/rootfs
mkdir -p "$r/bin" "$r/etc" "$r/work"
mkdir -m 1777 "$r/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$r/etc/passwd"
printf 'root:x:0:\nusers:x:100:nobody\nnogroup:x:65534:\n' >"$r/etc/group"
cp "$busybox" "$r/bin/busybox"
for lib in $(ldd "$busybox" | grep -o '/[^ ]*lib[^ ]*\.so[^ ]*'); do
	mkdir -p "$r$(dirname "$lib")"
	cp -L "$lib" "$r$lib"
done
for c in sh ls cat echo env pwd id touch stat sleep; do ln -s busybox "$r/bin/$c"; done
echo base >"$r/etc/base-file"
echo doomed >"$r/etc/to-delete"
# an owner the image gives (umoci's rootless repack reads it from here)
echo owned >"$r/etc/owned"
setfattr -n user.rootlesscontainers -v 0x08d20910ae2c "$r/etc/owned" # 1234:5678
umoci_do repack --image oci:base b1
umoci_do config --image oci:base --config.env A=from-image --config.env B=b --config.env PATH=/bin \
	--config.workingdir /work --config.cmd /bin/sh --config.cmd -c \
	--config.cmd 'echo "cmd in $(pwd) A=$A B=$B"'

layer_over_base() { # TAG: base plus one layer made by the commands on stdin ($1 the rootfs)
	rm -rf "b-$1"
	umoci_do unpack --rootless --image oci:base "b-$1"
	(cd "b-$1/rootfs" && bash -e)
	umoci_do repack --image "oci:$1" "b-$1"
}
layer_over_base top <<'SH'
echo changed >etc/base-file
echo top >etc/top-file
rm etc/to-delete
SH
umoci_do config --image oci:top --config.entrypoint /bin/sh --config.entrypoint -c \
	--config.cmd 'echo top default'
layer_over_base other <<'SH'
echo other >etc/other-file
SH
umoci_do config --image oci:base --tag user --config.user nobody
umoci_do config --image oci:base --tag numeric --config.user 1000:1000
umoci_do config --image oci:base --tag ghost --config.user ghost

# a second layout, as skopeo writes it
skopeo copy -q oci:"$T/oci":other oci:"$T/other-layout":other >"$T/skopeo.out" 2>&1 ||
	{ show_file skopeo "$T/skopeo.out"; fail "skopeo copy"; }

layers_in_store() {
	find "$STORE/layers/sha256" -mindepth 1 -maxdepth 1 -type d | wc -l
}

# ------------------------------------------------------------ import
"$VENEER" image import oci:base --name base >"$T/o" 2>"$T/e" ||
	{ show_file stderr "$T/e"; fail "image import oci:base exited $?"; }
assert_match '^layer 1/1 sha256:[0-9a-f]{12}: unpacked' "$(cat "$T/o")" "the base layer unpacked"
assert_match '^imported base:base \(ID [0-9a-f]{12}, 1 layers: 1 unpacked, 0 shared\)$' "$(tail -n 1 "$T/o")" \
	"import's last line"
assert_eq 1 "$(layers_in_store)" "one layer in the store"
[ ! -s "$T/e" ] || { show_file stderr "$T/e"; fail "import wrote to stderr"; }

"$VENEER" image import oci:top --name top >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "import top"; }
assert_match '^layer 1/2 sha256:[0-9a-f]{12}: in the store already, shared$' "$(sed -n 1p "$T/o")" \
	"top's first layer is base's, shared"
assert_match '^layer 2/2 sha256:[0-9a-f]{12}: unpacked' "$(sed -n 2p "$T/o")" "top's own layer unpacked"
assert_match '1 unpacked, 1 shared\)$' "$(tail -n 1 "$T/o")" "top: one unpacked, one shared"
"$VENEER" image import "$T/other-layout" >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "import other-layout"; }
assert_match '^imported other-layout:other ' "$(tail -n 1 "$T/o")" \
	"the default name is the layout directory's, the tag the layout's one image's"
assert_match '1 unpacked, 1 shared\)$' "$(tail -n 1 "$T/o")" "other (skopeo's copy) shares base's layer"
assert_eq 3 "$(layers_in_store)" "three images, three distinct layers in the store"
# (the rungs without a user namespace present no owners)
if ! on_hostroot; then
	"$VENEER" run --image base:base -- stat -c '%u:%g' /etc/owned /etc/base-file >"$T/o" 2>"$T/e" ||
		{ show_file stderr "$T/e"; fail "run --image base:base stat"; }
	assert_eq "$(printf '1234:5678\n0:0')" "$(cat "$T/o")" "an image's owners show inside (its layers' owner stores)"
fi

"$VENEER" image ls >"$T/ls" || fail "image ls exited $?"
assert_eq "NAME TAG ID LAYERS SIZE
base base 1
other-layout other 2
top top 2" "$(awk '{ print $1, $2, (NR == 1 ? $3 " " $4 " " $5 : $4) }' "$T/ls")" "image ls, sorted"
assert_match '^base +base +[0-9a-f]{12} +1 +[0-9.]+[kM]B$' "$(sed -n 2p "$T/ls")" "an image ls line"

# ------------------------------------------------------------ run --image
vrun_ok "$T/o" "$T/e" --image base:base
assert_eq "cmd in /work A=from-image B=b" "$(cat "$T/o")" "Cmd, WorkingDir and Env of the config"
vrun_ok "$T/o" "$T/e" --image base:base --env A=mine --unsetenv B --chdir / -- sh -c 'echo "$(pwd) A=$A B=${B-unset}"'
assert_eq "/ A=mine B=unset" "$(cat "$T/o")" "--env, --unsetenv and --chdir over the image's"
vrun_ok "$T/o" "$T/e" --image top:top
assert_eq "top default" "$(cat "$T/o")" "Entrypoint + Cmd"
vrun_ok "$T/o" "$T/e" --image top:top -- 'cat /etc/base-file /etc/top-file; ls /etc'
assert_eq "changed
top
base-file
group
owned
passwd
top-file" "$(cat "$T/o")" "Entrypoint + COMMAND: the top layer over the base, its whiteout hiding to-delete"
vrun_ok "$T/o" "$T/e" --image other-layout:other -- cat /etc/other-file /etc/to-delete
assert_eq "other
doomed" "$(cat "$T/o")" "another image over the same base layer"

# User: the command runs as that user
for tag in user numeric ghost; do
	"$VENEER" image import "oci:$tag" --name "$tag" >/dev/null 2>&1 || fail "import of the image $tag"
done
as_user='id -u; id -g; id -G; echo "HOME=$HOME USER=${USER-}"; touch /etc/x 2>/dev/null || echo "/etc: denied"
	touch /tmp/f && stat -c "%u:%g" /tmp/f'
if on_hostroot; then
	vrun "$T/o" "$T/e" --image user:user -- sh -c "$as_user"
	assert_eq "125 1" "$VRC $(wc -l <"$T/e")" "User nobody without presented identities: exit 125, one line"
	assert_match "^veneer: image user:user runs as user 'nobody', an identity" "$(cat "$T/e")" \
		"User nobody without presented identities: the refusal names the user"
else
	vrun_ok "$T/o" "$T/e" --image user:user -- sh -c "$as_user"
	assert_eq "65534
65534
65534 100
HOME=/nonexistent USER=nobody
/etc: denied
65534:65534" "$(cat "$T/o")" "User nobody: ids, groups, environment, permissions, owner of a new file"
	vrun_ok "$T/o" "$T/e" --image numeric:numeric -- sh -c "$as_user"
	assert_eq "1000
1000
1000
HOME=/ USER=
/etc: denied
1000:1000" "$(cat "$T/o")" "User 1000:1000, in no /etc/passwd"
	vrun "$T/o" "$T/e" --image user:user --ids kernel -- true
	assert_eq "125 1" "$VRC $(wc -l <"$T/e")" "User nobody with --ids kernel: exit 125, one line"
	assert_match "^veneer: image user:user runs as user 'nobody', which needs --ids presented" \
		"$(cat "$T/e")" "User nobody with --ids kernel: the line"
	vrun "$T/o" "$T/e" --image ghost:ghost -- true
	assert_eq "125 1" "$VRC $(wc -l <"$T/e")" "a User not in /etc/passwd: exit 125, one line"
	assert_match "^veneer: image ghost:ghost runs as user 'ghost', who is not in its /etc/passwd$" \
		"$(cat "$T/e")" "a User not in /etc/passwd: the line"
fi
for tag in user numeric ghost; do "$VENEER" image rm "$tag:$tag" >/dev/null; done

# refused: --image with --lower, an unknown image
vrun "$T/o" "$T/e" --image top:top --lower / -- true
assert_eq 125 "$VRC" "--image with --lower: exit status"
assert_match "^veneer: --image and --lower together" "$(cat "$T/e")" "--image with --lower: the line"
vrun "$T/o" "$T/e" --image nosuch -- true
assert_eq "125 1" "$VRC $(wc -l <"$T/e")" "--image of an unknown name: exit 125, one line"

# ------------------------------------------------------------ platforms
# index.json's entry "multi" is an index of two manifests: top's for
# another architecture, other's for this one; import takes this one's
case $(uname -m) in x86_64) arch=amd64 foreign=arm64 ;; aarch64) arch=arm64 foreign=amd64 ;; *) arch=$(uname -m) foreign=amd64 ;; esac
cp -a "$T/oci" "$T/multi"
"$PY" - "$T/multi" "$arch" "$foreign" <<'PYEOF'
import hashlib, json, sys
lay, arch, foreign = sys.argv[1:]
idx = json.load(open(lay + "/index.json"))
by_tag = {d["annotations"]["org.opencontainers.image.ref.name"]: d for d in idx["manifests"]}
def entry(tag, a):
    d = {k: by_tag[tag][k] for k in ("mediaType", "digest", "size")}
    d["platform"] = {"architecture": a, "os": "linux"}
    return d
nested = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                     "manifests": [entry("top", foreign), entry("other", arch)]}).encode()
h = hashlib.sha256(nested).hexdigest()
open(f"{lay}/blobs/sha256/{h}", "wb").write(nested)
idx["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + h,
                         "size": len(nested), "annotations": {"org.opencontainers.image.ref.name": "multi"}})
json.dump(idx, open(lay + "/index.json", "w"))
PYEOF
"$VENEER" image import "$T/multi:multi" >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "import of a nested index"; }
assert_match '^imported multi:multi .*2 layers: 0 unpacked, 2 shared\)$' "$(tail -n 1 "$T/o")" \
	"a nested index: the manifest for this platform, whose layers are other's"
vrun_ok "$T/o" "$T/e" --image multi:multi -- cat /etc/other-file
assert_eq other "$(cat "$T/o")" "the image of the nested index runs other's layers"
"$VENEER" image rm multi:multi >/dev/null

# ------------------------------------------------------------ zstd
# other's layers recompressed with zstd (new blobs, new digests, the
# same content): imported as the same layers, shared, and it runs
cp -a "$T/oci" "$T/zstd"
"$PY" - "$T/zstd" <<'PYEOF'
import hashlib, json, subprocess, sys
lay = sys.argv[1]
def path(d): return f"{lay}/blobs/sha256/{d[7:]}"
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(f"{lay}/blobs/sha256/{h}", "wb").write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
idx = json.load(open(lay + "/index.json"))
d = [d for d in idx["manifests"] if d["annotations"]["org.opencontainers.image.ref.name"] == "other"][0]
man = json.load(open(path(d["digest"])))
for layer in man["layers"]:
    tar = subprocess.run(["gzip", "-dc", path(layer["digest"])], check=True, capture_output=True).stdout
    z = subprocess.run(["zstd", "-q", "-c"], input=tar, check=True, capture_output=True).stdout
    layer.update(put(z), mediaType="application/vnd.oci.image.layer.v1.tar+zstd")
d.update(put(json.dumps(man).encode()))
idx["manifests"] = [d]
json.dump(idx, open(lay + "/index.json", "w"))
PYEOF
"$VENEER" image import "$T/zstd" --name zstd:z >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "import of zstd layers"; }
assert_match '2 layers: 0 unpacked, 2 shared\)$' "$(tail -n 1 "$T/o")" \
	"zstd layers of the same content as gzip ones: the same layers, shared"
"$VENEER" image rm zstd:z >/dev/null
# into a store of its own: unpacked (zstd), under the same names
XDG_DATA_HOME=$T/data-zstd "$VENEER" image import "$T/zstd" --name zstd:z >"$T/o" 2>"$T/e" ||
	{ show_file stderr "$T/e"; fail "import of zstd layers into an empty store"; }
assert_match '2 layers: 2 unpacked, 0 shared\)$' "$(tail -n 1 "$T/o")" "zstd layers unpacked"
assert_eq "" "$(comm -23 <(ls "$T/data-zstd/veneer/images/layers/sha256") <(ls "$STORE/layers/sha256"))" \
	"zstd layers are stored under the names of their gzip'd twins (their content's digest)"
XDG_DATA_HOME=$T/data-zstd vrun_ok "$T/o" "$T/e" --image zstd:z -- cat /etc/other-file
assert_eq other "$(cat "$T/o")" "the zstd image runs"

# ------------------------------------------------------------ a layer twice
# top's manifest with base's layer again on top (a layer may be in an
# image twice): it runs, base's files as the topmost layer has them
cp -a "$T/oci" "$T/twice"
"$PY" - "$T/twice" <<'PYEOF'
import hashlib, json, sys
lay = sys.argv[1]
def blob(h): return json.load(open(f"{lay}/blobs/sha256/{h[7:]}"))
def put(obj):
    data = json.dumps(obj).encode()
    h = hashlib.sha256(data).hexdigest()
    open(f"{lay}/blobs/sha256/{h}", "wb").write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
idx = json.load(open(lay + "/index.json"))
d = [d for d in idx["manifests"] if d["annotations"]["org.opencontainers.image.ref.name"] == "top"][0]
man = blob(d["digest"])
cfg = blob(man["config"]["digest"])
man["layers"].append(man["layers"][0])
cfg["rootfs"]["diff_ids"].append(cfg["rootfs"]["diff_ids"][0])
cfg["config"]["Entrypoint"] = None
man["config"].update(put(cfg))
d.update(put(man))
d["annotations"]["org.opencontainers.image.ref.name"] = "twice"
idx["manifests"] = [d]
json.dump(idx, open(lay + "/index.json", "w"))
PYEOF
"$VENEER" image import "$T/twice" >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "import of an image with a layer twice"; }
assert_match '3 layers: 0 unpacked, 3 shared\)$' "$(tail -n 1 "$T/o")" "a layer twice: shared, each time"
vrun_ok "$T/o" "$T/e" --image twice:twice -- cat /etc/base-file /etc/to-delete /etc/top-file
assert_eq "base
doomed
top" "$(cat "$T/o")" "a layer twice: the topmost copy over the rest"
"$VENEER" image rm twice:twice >/dev/null

# ------------------------------------------------------------ rm
"$VENEER" image rm top:top >"$T/o" || fail "image rm top:top exited $?"
assert_eq "removed top:top, and 1 layer no other image uses" "$(cat "$T/o")" "rm of top"
assert_eq 2 "$(layers_in_store)" "top's own layer gone, base's kept"
"$VENEER" image rm base:base >"$T/o" || fail "image rm base:base"
assert_eq "removed base:base, and 0 layers no other image uses" "$(cat "$T/o")" \
	"rm of base keeps its layer, which other uses"
vrun_ok "$T/o" "$T/e" --image other-layout:other -- cat /etc/base-file
assert_eq base "$(cat "$T/o")" "other still runs over the shared layer"
"$VENEER" image rm other-layout:other >"$T/o" || fail "image rm other-layout:other"
assert_eq "removed other-layout:other, and 2 layers no other image uses" "$(cat "$T/o")" \
	"the shared layer goes with the last image"
assert_eq 0 "$(layers_in_store)" "no layer left"
assert_eq "" "$(find "$STORE/blobs" "$STORE/refs" -type f)" "no blob nor reference left"
set +e
"$VENEER" image rm other-layout:other >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq "125 1" "$rc $(wc -l <"$T/e")" "rm of an unknown image: exit 125, one line"
assert_match "^veneer: image rm: no image other-layout:other in the store" "$(cat "$T/e")" "rm of an unknown image"

# ------------------------------------------------------------ rm while it runs
# an image removed while a sandbox runs over it: its layers stay until
# the sandbox ends, and go with the next collection (here: an import)
if ! on_hostroot; then # (--bind: a mount, which those rungs have not)
	"$VENEER" image import oci:top --name busy >/dev/null || fail "import busy"
	mkdir -p "$T/sig"
	"$VENEER" run --image busy:top --bind "$T/sig:/sig" -- \
		'touch /sig/started; while [ ! -e /sig/go ]; do sleep 0.1; done; cat /etc/top-file' \
		>"$T/busy.out" 2>&1 </dev/null &
	busy=$!
	for _ in $(seq 100); do [ -e "$T/sig/started" ] && break; sleep 0.1; done
	[ -e "$T/sig/started" ] || fail "the sandbox of busy:top did not start"
	"$VENEER" image rm busy:top >"$T/o" || fail "image rm busy:top while it runs"
	assert_eq "removed busy:top; 2 layers no image uses kept while a sandbox runs over the store (the next rm or import removes them)" \
		"$(cat "$T/o")" "rm of an image a sandbox runs"
	assert_eq 2 "$(layers_in_store)" "its layers kept while it runs"
	touch "$T/sig/go"
	wait "$busy" || { show_file busy "$T/busy.out"; fail "the sandbox of a removed image"; }
	assert_eq top "$(cat "$T/busy.out")" "a sandbox over a removed image reads its layers to the end"
	"$VENEER" image import oci:base --name again >/dev/null
	assert_eq 1 "$(layers_in_store)" "the next import removes the layers no image uses"
	"$VENEER" image rm again:base >/dev/null
	assert_eq 0 "$(layers_in_store)" "and no layer left"
fi

# ------------------------------------------------------------ two at once
"$VENEER" image import oci:top --name a >"$T/a.out" 2>&1 &
pa=$!
"$VENEER" image import oci:other --name b >"$T/b.out" 2>&1 &
pb=$!
wait "$pa" || { show_file a "$T/a.out"; fail "the first of two imports at once"; }
wait "$pb" || { show_file b "$T/b.out"; fail "the second of two imports at once"; }
assert_eq 3 "$(layers_in_store)" "two imports at once: base's layer once, and one each"
assert_eq "a:top b:other" "$(awk 'NR > 1 { printf "%s%s:%s", sep, $1, $2; sep = " " }' <("$VENEER" image ls))" \
	"two imports at once: both listed"
grep -q 'shared$' "$T/a.out" "$T/b.out" || fail "two imports at once: neither found the other's base layer"

# ------------------------------------------------------------ bad input
store_listing() {
	(cd "$STORE" && find . -printf '%p %s\n' | sort)
}
bad_layout() { # NAME: a copy of the layout oci, to break
	rm -rf "$T/$1"
	cp -a "$T/oci" "$T/$1"
}
blob_of() { # LAYOUT TAG N: the path of the Nth layer blob of TAG's manifest
	"$PY" - "$T/$1" "$2" "$3" <<'PYEOF'
import json, sys
lay, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
idx = json.load(open(lay + "/index.json"))
m = [d for d in idx["manifests"] if d.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
man = json.load(open(lay + "/blobs/sha256/" + m["digest"][7:]))
print(lay + "/blobs/sha256/" + man["layers"][n]["digest"][7:])
PYEOF
}
refused() { # WHAT PATTERN LAYOUT-ARG: import refused, the store untouched
	local what=$1 pattern=$2
	shift 2
	store_listing >"$T/before"
	set +e
	"$VENEER" image import "$@" --name broken >"$T/o" 2>"$T/e"
	local rc=$?
	set -e
	assert_eq 125 "$rc" "$what: exit status"
	assert_eq 1 "$(wc -l <"$T/e")" "$what: one line on stderr"
	assert_match "^veneer: image import: .*$pattern" "$(cat "$T/e")" "$what: the line"
	store_listing >"$T/after"
	assert_files_eq "$T/before" "$T/after" "$what: the store is as it was"
}

bad_layout missing
rm "$(blob_of missing top 1)"
refused "a missing blob" "blob sha256:[0-9a-f]{64} is missing" "$T/missing:top"

bad_layout flipped
f=$(blob_of flipped top 1)
chmod u+w "$f"
printf '\x00' | dd of="$f" bs=1 seek=40 conv=notrunc 2>/dev/null
refused "a flipped byte" "has digest sha256:.*the layout is corrupt" "$T/flipped:top"

bad_layout longer
f=$(blob_of longer top 1)
chmod u+w "$f"
echo extra >>"$f"
refused "a wrong size" "is [0-9]+ bytes, its descriptor says [0-9]+" "$T/longer:top"

# a layer whose content is not the config's diff_id: the config and the
# manifest rewritten, each under its new digest (so only the unpacking
# can tell); base's layer is unpacked first (the store is emptied before)
bad_layout diffid
"$PY" - "$T/diffid" top <<'PYEOF'
import hashlib, json, os, sys
lay, tag = sys.argv[1], sys.argv[2]
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(f"{lay}/blobs/sha256/{h}", "wb").write(data)
    return h
idx = json.load(open(lay + "/index.json"))
m = [d for d in idx["manifests"] if d.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
man = json.load(open(lay + "/blobs/sha256/" + m["digest"][7:]))
cfg = json.load(open(lay + "/blobs/sha256/" + man["config"]["digest"][7:]))
cfg["rootfs"]["diff_ids"][1] = "sha256:" + "ab" * 32
data = json.dumps(cfg).encode()
man["config"] = dict(man["config"], digest="sha256:" + put(data), size=len(data))
data = json.dumps(man).encode()
m["digest"], m["size"] = "sha256:" + put(data), len(data)
json.dump(idx, open(lay + "/index.json", "w"))
PYEOF
"$VENEER" image rm a:top >/dev/null
"$VENEER" image rm b:other >/dev/null
refused "a layer whose content is not its diff_id" "layer 2 .*unpacks to content sha256:[0-9a-f]{12}, the config's diff_id says sha256:abababababab" \
	"$T/diffid:top"
assert_eq 0 "$(layers_in_store)" "the layer unpacked before the bad one is taken back too"

refused "a tag the layout has not" "has no image tagged 'nope' \(its tags: base, top, other" "$T/oci:nope"
mkdir -p "$T/plain"
refused "not a layout" "is not an OCI image layout \(it has no oci-layout file\)" "$T/plain"
bad_layout garbage
echo '{"schemaVersion": 2, "manifests": [' >"$T/garbage/index.json"
refused "index.json not JSON" "index.json is not valid JSON: .* at byte [0-9]+" "$T/garbage:top"
refused "a layout of several images without a tag" "holds [0-9]+ images; give one as .*:TAG" "$T/oci"

echo "image: import (shared layers once), ls, run --image (Env, WorkingDir, Cmd, Entrypoint, whiteouts, User refused), rm, concurrent imports, bad input refused"
