namespace EdgeGateway.Testing.Waiting;

/// <summary>
/// Thrown by a condition given to <see cref="Eventually"/> when waiting longer is pointless (the
/// process it waits on has exited, say). Unlike other exceptions, it ends the wait at once.
/// </summary>
public sealed class WaitAbortedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WaitAbortedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public WaitAbortedException()
        : base("The wait was aborted.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public WaitAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
