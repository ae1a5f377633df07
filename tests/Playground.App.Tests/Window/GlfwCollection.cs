// The xunit collection that serialises every test using GLFW (it is one global, single-threaded library).
namespace Playground.App.Tests.Window;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlfwCollection
{
    public const string Name = "GLFW";
}
