using EdgeGateway.Hardware.Native;

namespace EdgeGateway.Hardware;

/// <summary>Whether this process may open a device node (a serial port, a GPIO chip) for reading and writing.</summary>
public enum DeviceAccessResult
{
    /// <summary>The device exists and may be opened for reading and writing.</summary>
    ReadWrite,

    /// <summary>The device does not exist (not plugged in, wrong name, overlay not enabled).</summary>
    Missing,

    /// <summary>The device exists but this user may not open it for reading and writing (group membership).</summary>
    Denied,
}

/// <summary>Checks device permissions with <c>access(2)</c>, as the effective user of this process.</summary>
public static class DeviceAccess
{
    /// <summary>Checks <paramref name="path"/> without opening it (opening a serial port may reset a sensor).</summary>
    public static DeviceAccessResult Check(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return DeviceAccessResult.Missing;
        }

        return LibC.Access(path, LibC.ReadOk | LibC.WriteOk) == 0 ? DeviceAccessResult.ReadWrite : DeviceAccessResult.Denied;
    }
}
