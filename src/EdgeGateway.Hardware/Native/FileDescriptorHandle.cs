using System.Runtime.InteropServices;

namespace EdgeGateway.Hardware.Native;

/// <summary>
/// A POSIX file descriptor owned by a wrapper. Being a <see cref="SafeHandle"/>, it is not closed while
/// a native call that received it is still running (a read blocked in <c>poll</c> on another thread),
/// so closing on dispose cannot hand the number to an unrelated file mid-call.
/// </summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    /// <summary>Creates an invalid handle (for marshalling).</summary>
    public FileDescriptorHandle()
        : base(new IntPtr(-1), ownsHandle: true)
    {
    }

    /// <summary>Wraps <paramref name="descriptor"/>, taking ownership.</summary>
    public FileDescriptorHandle(int descriptor)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(descriptor));

    /// <inheritdoc />
    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The descriptor number (valid only while the handle is referenced).</summary>
    public int Descriptor => (int)handle.ToInt64();

    /// <inheritdoc />
    protected override bool ReleaseHandle() => LibC.Close((int)handle.ToInt64()) == 0;
}
