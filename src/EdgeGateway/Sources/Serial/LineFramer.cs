namespace EdgeGateway.Sources.Serial;

/// <summary>
/// Frames text lines ending in LF (a CR before it is removed). Empty lines are skipped; a line longer
/// than the limit is rejected as <c>line-too-long</c> and the rest of it, up to the next LF, discarded.
/// </summary>
public sealed class LineFramer : ISerialFramer
{
    private readonly int _maxLength;
    private readonly List<byte> _line = [];
    private bool _discarding;

    /// <summary>Creates a framer for lines of at most <paramref name="maxLength"/> bytes.</summary>
    public LineFramer(int maxLength = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        _maxLength = maxLength;
    }

    /// <inheritdoc />
    public void Feed(ReadOnlySpan<byte> data, List<SerialFrame> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!data.IsEmpty)
        {
            var end = data.IndexOf((byte)'\n');
            var piece = end < 0 ? data : data[..end];
            if (!_discarding)
            {
                if (_line.Count + piece.Length > _maxLength)
                {
                    var kept = piece[..Math.Min(piece.Length, _maxLength - _line.Count)];
                    _line.AddRange(kept);
                    output.Add(SerialFrame.Rejected([.. _line], "line-too-long", $"a line is longer than {_maxLength} bytes (no LF); the rest of it is discarded"));
                    _line.Clear();
                    _discarding = true;
                }
                else
                {
                    _line.AddRange(piece);
                }
            }

            if (end < 0)
            {
                return;
            }

            data = data[(end + 1)..];
            if (_discarding)
            {
                _discarding = false;
                continue;
            }

            var count = _line.Count;
            if (count > 0 && _line[count - 1] == (byte)'\r')
            {
                count--;
            }

            if (count > 0)
            {
                output.Add(new SerialFrame([.. _line.GetRange(0, count)]));
            }

            _line.Clear();
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        _line.Clear();
        _discarding = false;
    }
}
