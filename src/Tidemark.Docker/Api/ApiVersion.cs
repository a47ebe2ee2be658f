using System.Globalization;

namespace Tidemark.Docker.Api;

/// <summary>An Engine API version such as 1.41.</summary>
public readonly record struct ApiVersion(int Major, int Minor) : IComparable<ApiVersion>
{
    /// <summary>Debian 12's docker.io (engine 20.10) speaks 1.41; nothing older is supported.</summary>
    public static readonly ApiVersion Oldest = new(1, 41);

    /// <summary>The newest API whose responses Tidemark knows (1.52 changed the /system/df shape).</summary>
    public static readonly ApiVersion Newest = new(1, 52);

    public static bool TryParse(string? text, out ApiVersion version)
    {
        version = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var parts = text.Trim().Split('.');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }

        version = new ApiVersion(major, minor);
        return true;
    }

    /// <summary>min(daemon, newest known), or null when the daemon is older than Tidemark supports.</summary>
    public static ApiVersion? Negotiate(ApiVersion daemon) =>
        daemon.CompareTo(Oldest) < 0 ? null : daemon.CompareTo(Newest) < 0 ? daemon : Newest;

    public int CompareTo(ApiVersion other) =>
        Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(ApiVersion a, ApiVersion b) => a.CompareTo(b) < 0;

    public static bool operator >(ApiVersion a, ApiVersion b) => a.CompareTo(b) > 0;

    public static bool operator <=(ApiVersion a, ApiVersion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(ApiVersion a, ApiVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Major}.{Minor}";
}
