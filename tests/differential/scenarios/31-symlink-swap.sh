# ln -sfn to switch symlinks between directories (the release-switch
# idiom), over lower and new links; mv -T of a new link over a lower one.
set -e
source "$DIFF_LIB"
mkdir -p releases/v1 releases/v2
echo one >releases/v1/version
echo two >releases/v2/version
ln -sfn releases/v1 current
cat current/version
ln -sfn releases/v2 current
cat current/version
ln -sfn ../tree links/dirrel          # over a lower link to a dir
ls links/dirrel/
ln -sfn ../files/words.txt links/rel  # over a lower link to a file
cat links/rel
ln -s releases/v1 current.new && mv -T current.new current
cat current/version
readlink current links/dirrel links/rel
tree_list links
