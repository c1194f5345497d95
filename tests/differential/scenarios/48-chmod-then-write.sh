# Changing the mode of a lower file and then writing it, and the
# reverse; restricting a lower dir after adding to it.
set -e
source "$DIFF_LIB"
chmod u+w modes/m444
echo "now writable" >>modes/m444
chmod 0444 modes/m444
echo "more" >>modes/m600
chmod 0640 modes/m600
chmod 0 files/onebyte
chmod 0644 files/onebyte
echo n >tree/a/added
chmod 0555 tree/a
rc sh -c 'cat tree/a/added'
chmod 0755 tree/a
st modes/m444 modes/m600 files/onebyte tree/a
cat modes/m444 modes/m600 files/onebyte; echo
