using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace EdgeGateway.Decoding;

/// <summary>
/// A growable list of readings on pooled arrays, so a decode allocates only the final, exactly sized
/// result. A mutable struct: pass it by <c>ref</c>, and dispose it.
/// </summary>
internal struct DecodedReadingList : IDisposable
{
    private DecodedReading[]? _items;

    public int Count { get; private set; }

    public readonly ref DecodedReading this[int index] => ref _items![index];

    /// <summary>Adds a reading; false once <see cref="PayloadDecoders.MaxReadingsPerMessage"/> are held.</summary>
    public bool TryAdd(in DecodedReading reading)
    {
        if (Count >= PayloadDecoders.MaxReadingsPerMessage)
        {
            return false;
        }

        if (_items is null || Count == _items.Length)
        {
            var bigger = ArrayPool<DecodedReading>.Shared.Rent(Math.Max(16, Count * 2));
            if (_items is not null)
            {
                _items.AsSpan(0, Count).CopyTo(bigger);
                ArrayPool<DecodedReading>.Shared.Return(_items, clearArray: true);
            }

            _items = bigger;
        }

        _items[Count++] = reading;
        return true;
    }

    public readonly ImmutableArray<DecodedReading> ToImmutableArray() =>
        Count == 0 ? [] : ImmutableCollectionsMarshal.AsImmutableArray(_items.AsSpan(0, Count).ToArray());

    public void Dispose()
    {
        if (_items is not null)
        {
            // Cleared: the readings hold strings that should not outlive the message in a pooled array.
            ArrayPool<DecodedReading>.Shared.Return(_items, clearArray: true);
            _items = null;
            Count = 0;
        }
    }
}
