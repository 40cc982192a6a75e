#!/usr/bin/env bash
# Downloads speechocean762 (OpenSLR resource 101, about 520 MB) and unpacks it, as Kaldi's
# local/download_and_untar.sh scripts do: <data-base>/speechocean762.tar.gz ->
# <data-base>/speechocean762/{train,test,WAVE,resource}. Does nothing when the corpus is
# already there. Fails with a message saying what to do by hand when the download fails.

url=https://www.openslr.org/resources/101/speechocean762.tar.gz
help_message="Usage: $0 [--url <url>] <data-base>
 e.g.: $0 corpus      (writes corpus/speechocean762/)
Options:
  --url <url>    where to fetch speechocean762.tar.gz (default: $url)"
. "$(dirname "$0")/../utils/parse_options.sh" || exit 1
if [ $# -ne 1 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
base=$1
dir=$base/speechocean762

if [ -f "$dir/train/wav.scp" ] && [ -d "$dir/WAVE" ]; then
  echo "$0: speechocean762 is already in $dir"
  exit 0
fi
mkdir -p "$base" || exit 1
tarball=$base/speechocean762.tar.gz
echo "$0: downloading $url to $tarball"
fetched=false
if command -v curl >/dev/null; then
  curl -fL --retry 2 -o "$tarball.part" "$url" && fetched=true
elif command -v wget >/dev/null; then
  wget -O "$tarball.part" "$url" && fetched=true
else
  echo "$0: neither curl nor wget is installed" >&2
fi
if ! $fetched; then
  rm -f "$tarball.part"
  cat >&2 <<MSG
$0: could not download $url.
  On a machine with a network, fetch speechocean762.tar.gz from https://www.openslr.org/101/
  (or clone https://github.com/jimbozhang/speechocean762), unpack it so that $dir/train/wav.scp
  exists, or pass --corpus-dir <folder holding train/, WAVE/ and resource/> to run.sh.
MSG
  exit 1
fi
mv "$tarball.part" "$tarball"
if ! tar -xzf "$tarball" -C "$base"; then
  echo "$0: could not unpack $tarball (a partial or corrupt download? delete it and rerun)" >&2
  exit 1
fi
if [ ! -f "$dir/train/wav.scp" ]; then
  echo "$0: $tarball did not unpack into $dir/train/wav.scp" >&2
  exit 1
fi
rm -f "$tarball"
echo "$0: speechocean762 is in $dir"
