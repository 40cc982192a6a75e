#!/usr/bin/env bash
# Fetches the Free Spoken Digit Dataset (Zohar Jackson and contributors, CC BY-SA 4.0) from
# its GitHub repository and lays it out as the recipe reads it: <dest>/recordings/*.wav,
# <dest>/speakers.tsv (speaker, gender, accent, from the repository's metadata.py) and the
# repository's README.md (its license and attribution). Tries a shallow git clone, then the
# repository's tar.gz archive with curl or wget. Recordings of speakers that metadata.py
# does not describe are moved to <dest>/recordings_unlisted/ and counted.
# With --repo <dir>, an existing clone (or unpacked archive) is used and nothing is fetched.

url=https://github.com/Jakobovski/free-spoken-digit-dataset
repo=                  # an existing copy of the repository: no network needed
timeout=600            # seconds allowed for each download attempt
help_message="Usage: $0 [--url <github-url>] [--repo <local-copy>] <dest-dir>
 e.g.: $0 corpus/fsdd"
. "$(dirname "$0")/../utils/parse_options.sh" || exit 1
if [ $# -ne 1 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
dest=$1
if [ -d "$dest/recordings" ] && [ -f "$dest/speakers.tsv" ]; then
  echo "$0: $dest already holds FSDD; nothing to do"
  exit 0
fi
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  echo "$0: $dest exists but is not an FSDD folder (no recordings/ and speakers.tsv); not writing into it" >&2
  exit 1
fi
mkdir -p "$(dirname "$dest")"
tmp=$(mktemp -d "$(dirname "$dest")/.fsdd_download.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
  cat >&2 <<MSG
$0: could not download FSDD from $url ($1).
  This needs a network. Elsewhere, run: git clone --depth 1 $url.git fsdd_repo
  then copy fsdd_repo here and run: $0 --repo fsdd_repo $dest
  (or lay out recordings/ and speakers.tsv yourself and pass --corpus-dir to run.sh).
MSG
  exit 1
}

if [ -n "$repo" ]; then
  [ ! -d "$repo/recordings" ] && echo "$0: no such directory $repo/recordings" >&2 && exit 1
  src=$repo
else
  src=$tmp/repo
  ok=false
  if command -v git >/dev/null; then
    echo "$0: cloning $url (shallow)"
    timeout $timeout git clone --quiet --depth 1 "$url.git" "$src" 2>"$tmp/git.err" && ok=true
    $ok || { echo "$0: git clone failed: $(tail -n 1 "$tmp/git.err")" >&2; rm -rf "$src"; }
  fi
  if ! $ok; then
    for branch in master main; do
      archive=$url/archive/refs/heads/$branch.tar.gz
      echo "$0: downloading $archive"
      if command -v curl >/dev/null; then
        timeout $timeout curl -fsSL --retry 2 -o "$tmp/fsdd.tar.gz" "$archive" && ok=true
      elif command -v wget >/dev/null; then
        timeout $timeout wget -q -O "$tmp/fsdd.tar.gz" "$archive" && ok=true
      else
        fail "neither git, curl nor wget is installed"
      fi
      $ok && break
    done
    $ok || fail "no network, or the repository moved"
    mkdir -p "$src"
    tar -xzf "$tmp/fsdd.tar.gz" -C "$src" --strip-components 1 || fail "the archive could not be unpacked"
  fi
fi
for f in "$src/metadata.py" "$src/recordings"; do
  [ ! -e "$f" ] && echo "$0: the repository has no $(basename "$f"): its layout changed" >&2 && exit 1
done

# Assemble in the temporary dir, then move into place: an interrupted run leaves no half corpus.
out=$tmp/fsdd
mkdir -p "$out"
if [ -n "$repo" ]; then cp -r "$src/recordings" "$out/recordings"; else mv "$src/recordings" "$out/recordings"; fi
cp "$src/metadata.py" "$out/"
[ -f "$src/README.md" ] && cp "$src/README.md" "$out/"
python3 "$(dirname "$0")/fsdd_speakers.py" "$out/metadata.py" "$out/recordings" "$out/speakers.tsv" || exit 1
[ -d "$dest" ] && rmdir "$dest"
mv "$out" "$dest"
echo "$0: FSDD in $dest: $(ls "$dest/recordings" | wc -l) recordings, $(($(wc -l < "$dest/speakers.tsv") - 1)) speakers"
