using System.Security.Cryptography;
using System.Text;

namespace Tidemark.Core.Layers;

/// <summary>The OCI chain ID: chain(0) = diff(0); chain(n) = sha256(chain(n-1) + " " + diff(n)).</summary>
public static class ChainIds
{
    public static IReadOnlyList<string> From(IReadOnlyList<string> diffIds)
    {
        var chains = new List<string>(diffIds.Count);
        foreach (var diff in diffIds)
        {
            chains.Add(chains.Count == 0
                ? diff
                : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(chains[^1] + " " + diff))));
        }

        return chains;
    }
}
