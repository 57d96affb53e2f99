namespace EdgeGateway.Buffering;

/// <summary>Tells how much disk space is free where the buffer lives (an interface so tests can fill the disk).</summary>
public interface IFreeSpaceProbe
{
    /// <summary>The bytes available to this (non-root) process on the filesystem holding <paramref name="directory"/>.</summary>
    long GetAvailableBytes(string directory);
}

/// <summary>
/// Reads the filesystem's free space with <see cref="DriveInfo"/>, which on Linux is <c>statvfs</c> of
/// the given path (<c>f_bavail</c>: the blocks an unprivileged process may still use).
/// </summary>
public sealed class FileSystemFreeSpaceProbe : IFreeSpaceProbe
{
    /// <inheritdoc />
    public long GetAvailableBytes(string directory) => new DriveInfo(directory).AvailableFreeSpace;
}
