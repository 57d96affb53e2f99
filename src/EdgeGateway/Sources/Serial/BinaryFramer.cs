namespace EdgeGateway.Sources.Serial;

/// <summary>
/// The resynchronising framer shared by fixed-length binary sensor protocols: finds the start bytes,
/// waits for a whole frame, lets the protocol check it, and hands back what lay between frames as
/// <c>garbage</c>. After a checksum failure it searches again from the byte after the false start, so
/// a real frame hidden in the rejected bytes is not lost.
/// </summary>
public abstract class BinaryFramer : ISerialFramer
{
    private const int MaxGarbageRun = 256;
    private readonly byte[] _buffer;
    private readonly List<byte> _garbage = [];
    private int _count;

    /// <summary>Creates a framer for frames of <paramref name="frameLength"/> bytes starting with <paramref name="start"/>.</summary>
    protected BinaryFramer(ReadOnlySpan<byte> start, int frameLength)
    {
        Start = start.ToArray();
        FrameLength = frameLength;
        _buffer = new byte[frameLength * 4];
    }

    /// <summary>The start bytes of every frame.</summary>
    protected IReadOnlyList<byte> Start { get; }

    /// <summary>The length of a frame.</summary>
    protected int FrameLength { get; }

    /// <inheritdoc />
    public void Feed(ReadOnlySpan<byte> data, List<SerialFrame> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, _buffer.Length - _count);
            data[..take].CopyTo(_buffer.AsSpan(_count));
            _count += take;
            data = data[take..];
            Scan(output);
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        _count = 0;
        _garbage.Clear();
    }

    /// <summary>
    /// Checks a complete candidate frame: null when it is good, otherwise the reject reason and detail.
    /// A candidate whose fixed bytes (length field, tail) are wrong is a false start: return
    /// <c>("false-start", …)</c> and the framer treats its first byte as garbage.
    /// </summary>
    protected abstract (string Reason, string Detail)? Check(ReadOnlySpan<byte> frame);

    private void Scan(List<SerialFrame> output)
    {
        var position = 0;
        while (true)
        {
            var available = _buffer.AsSpan(position, _count - position);
            var start = FindStart(available);
            if (start < 0)
            {
                // Keep a possible partial start byte at the end; the rest is garbage.
                var keep = available.Length > 0 && available[^1] == Start[0] ? 1 : 0;
                AddGarbage(available[..^keep], output);
                position += available.Length - keep;
                break;
            }

            AddGarbage(available[..start], output);
            position += start;
            if (_count - position < FrameLength)
            {
                break;
            }

            var candidate = _buffer.AsSpan(position, FrameLength);
            var problem = Check(candidate);
            if (problem is null)
            {
                FlushGarbage(output);
                output.Add(new SerialFrame(candidate.ToArray()));
                position += FrameLength;
            }
            else if (problem.Value.Reason == "false-start")
            {
                AddGarbage(candidate[..1], output);
                position += 1;
            }
            else
            {
                // A bad frame: rejected up to the next start inside it (or whole), and the search goes on from there.
                var next = FindStart(candidate[1..]);
                var length = next < 0 ? FrameLength : next + 1;
                FlushGarbage(output);
                output.Add(SerialFrame.Rejected(candidate[..length], problem.Value.Reason, problem.Value.Detail));
                position += length;
            }
        }

        _buffer.AsSpan(position, _count - position).CopyTo(_buffer);
        _count -= position;
        if (_garbage.Count >= MaxGarbageRun)
        {
            FlushGarbage(output);
        }
    }

    private int FindStart(ReadOnlySpan<byte> data)
    {
        var from = 0;
        while (true)
        {
            var index = data[from..].IndexOf(Start[0]);
            if (index < 0)
            {
                return -1;
            }

            index += from;
            var matches = true;
            for (var i = 1; i < Start.Count && index + i < data.Length; i++)
            {
                if (data[index + i] != Start[i])
                {
                    matches = false;
                    break;
                }
            }

            if (matches)
            {
                return index;
            }

            from = index + 1;
        }
    }

    private void AddGarbage(ReadOnlySpan<byte> bytes, List<SerialFrame> output)
    {
        foreach (var b in bytes)
        {
            _garbage.Add(b);
            if (_garbage.Count >= MaxGarbageRun)
            {
                FlushGarbage(output);
            }
        }
    }

    private void FlushGarbage(List<SerialFrame> output)
    {
        if (_garbage.Count > 0)
        {
            output.Add(SerialFrame.Rejected([.. _garbage], "garbage", $"{_garbage.Count} byte(s) outside any frame (line noise, wrong baud rate or another protocol?)"));
            _garbage.Clear();
        }
    }
}
