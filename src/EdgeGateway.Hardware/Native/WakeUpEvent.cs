using System.Runtime.InteropServices;

namespace EdgeGateway.Hardware.Native;

/// <summary>
/// An <c>eventfd</c> polled next to a device's descriptor, so a blocked wait can be woken up by a
/// cancellation token or by dispose from another thread (a blocking read itself cannot be cancelled).
/// </summary>
internal sealed unsafe class WakeUpEvent : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    public WakeUpEvent()
    {
        var fd = LibC.EventFd(0, LibC.EfdCloExec | LibC.EfdNonBlock);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"eventfd failed: {LibC.ErrorText(errno)} (errno {errno})");
        }

        _handle = new FileDescriptorHandle(fd);
    }

    public FileDescriptorHandle Handle => _handle;

    /// <summary>Makes the event readable: any <c>poll</c> including it returns.</summary>
    public void Signal()
    {
        if (_handle.IsClosed)
        {
            return;
        }

        ulong one = 1;
        try
        {
            _ = LibC.Write(_handle, (byte*)&one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Closed concurrently: nobody is waiting any more.
        }
    }

    /// <summary>Consumes pending signals.</summary>
    public void Reset()
    {
        ulong value;
        _ = LibC.Read(_handle, (byte*)&value, sizeof(ulong));
    }

    public void Dispose() => _handle.Dispose();
}
