namespace EdgeGateway.Testing.Files;

/// <summary>
/// A directory under the system temp folder that belongs to one test and is deleted with it.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    private TempDirectory(string path) => Path = path;

    /// <summary>The absolute path of the directory.</summary>
    public string Path { get; }

    /// <summary>Creates a new empty directory whose name starts with <paramref name="prefix"/>.</summary>
    public static TempDirectory Create(string prefix = "test")
    {
        var root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgegw-tests");
        Directory.CreateDirectory(root);
        var path = System.IO.Path.Combine(root, $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return new TempDirectory(path);
    }

    /// <summary>The path of a file (or subdirectory) inside this directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="contents"/> to a file in this directory and returns its path.</summary>
    public string WriteFile(string name, string contents)
    {
        var path = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, contents);
        return path;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone: nothing to clean up.
        }
        catch (IOException)
        {
            // A process that outlived its test may still hold a file; the OS temp cleaner takes it later.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above (a server that dropped privileges may own a file here).
        }
    }
}
