using EdgeGateway.Buffering;

namespace EdgeGateway.Tests.Buffering;

/// <summary>Statistics of an empty buffer, for tests that set the few figures they need with <c>with</c>.</summary>
internal static class EmptyBufferStatistics
{
    public static BufferStatistics Value { get; } = new()
    {
        NormalRows = 0,
        PriorityRows = 0,
        InFlightRows = 0,
        Bytes = 0,
        CapacityBytes = 1_000_000,
        OldestUnsentAge = null,
        IsBlocked = false,
        AppendRequests = 0,
        AppendedRows = 0,
        CommittedRows = 0,
        ReleasedRows = 0,
        Commits = 0,
        Drops = default,
        DeadLetters = 0,
        DeadLetterBytes = 0,
        DeadLettersDropped = 0,
    };
}
