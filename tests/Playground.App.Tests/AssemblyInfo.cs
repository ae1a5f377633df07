// App tests open GL contexts and windows; one at a time keeps llvmpipe and Xvfb from fighting over two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
