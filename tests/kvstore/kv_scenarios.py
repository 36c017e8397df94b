"""KVStore scenarios run both by real MXNet 1.9.1 (make_golden_kvstore.py writes their
results to golden_kvstore.json) and by this project (test_kvstore_local.py compares).

Each scenario takes the `mx` module and returns a list of (label, result): a result is a
nested list of floats (array values), a plain value, or {"error": <exception class name>}.
No project import here: the same code runs under both libraries.
"""


def _vals(x):
    if isinstance(x, (list, tuple)):
        return [_vals(v) for v in x]
    return x.asnumpy().tolist()


class Recorder:
    def __init__(self):
        self.results = []
        self.errors = {}        # label -> the exception object (for the project-side test)

    def __call__(self, label, fn):
        try:
            value = fn()
        except Exception as err:    # noqa: BLE001  (the error class is the result)
            self.results.append((label, {"error": type(err).__name__}))
            self.errors[label] = err
            return
        self.results.append((label, value))


def basic(mx, rec):
    shape = (2, 3)
    kv = mx.kv.create('local')
    rec("type", lambda: [kv.type, kv.rank, kv.num_workers])
    kv.init(3, mx.nd.ones(shape) * 2)
    a = mx.nd.zeros(shape)
    rec("pull", lambda: (kv.pull(3, out=a), _vals(a))[1])
    rec("push assigns", lambda: (kv.push(3, mx.nd.ones(shape) * 8), kv.pull(3, out=a),
                                 _vals(a))[2])
    gpus = [mx.cpu(i) for i in range(4)]
    rec("push list sums", lambda: (kv.push(3, [mx.nd.ones(shape, ctx=c) * (i + 1)
                                               for i, c in enumerate(gpus)]),
                                   kv.pull(3, out=a), _vals(a))[2])
    b = [mx.nd.zeros(shape, ctx=c) for c in gpus[:3]]
    rec("pull to list", lambda: (kv.pull(3, out=b), _vals(b))[1])
    keys = [5, 7, 9]
    kv.init(keys, [mx.nd.ones(shape) * k for k in keys])
    outs = [mx.nd.zeros(shape) for _ in keys]
    rec("pull keys", lambda: (kv.pull(keys, out=outs), _vals(outs))[1])
    lol = [[mx.nd.ones(shape, ctx=c) * (k + j) for j, c in enumerate(gpus[:2])] for k in keys]
    rec("push keys x devices", lambda: (kv.push(keys, lol), kv.pull(keys, out=lol), _vals(lol))[2])
    rec("same key twice sums", lambda: (kv.push([5, 5], [mx.nd.ones(shape), mx.nd.ones(shape) * 10]),
                                        kv.pull(5, out=a), _vals(a))[2])
    rec("pushpull out", lambda: (kv.pushpull(3, mx.nd.ones(shape) * 5, out=a), _vals(a))[1])
    v = [mx.nd.ones(shape, ctx=c) * (i + 1) for i, c in enumerate(gpus[:2])]
    rec("pushpull into value", lambda: (kv.pushpull(3, v), _vals(v))[1])
    rec("broadcast", lambda: (kv.broadcast(20, mx.nd.ones(shape) * 9, out=b), _vals(b))[1])
    c = mx.nd.zeros(shape, dtype='float64')
    rec("pull casts", lambda: (kv.pull(20, out=c), str(c.dtype.__name__), _vals(c))[1:])
    rec("is_capable", lambda: kv.is_capable('optimizer'))
    rec("is_capable upper", lambda: kv.is_capable('OPTIMIZER'))
    rec("empty key list", lambda: (kv.push([], []), kv.pull([], out=[]))[0])


def str_keys(mx, rec):
    shape = (2,)
    kv = mx.kv.create('local')
    kv.init(['w', 'b'], [mx.nd.ones(shape) * 5, mx.nd.ones(shape)])
    seen = []

    def upd(key, inp, stored):
        seen.append(key.decode() if isinstance(key, bytes) else key)
        stored += inp * 2

    kv._set_updater(upd)
    a = mx.nd.zeros(shape)
    rec("push list + updater", lambda: (kv.push('w', [mx.nd.ones(shape, ctx=mx.cpu(i))
                                                      for i in range(3)]),
                                        kv.pull('w', out=a), _vals(a))[2])
    rec("same key twice, one update", lambda: (kv.push(['w', 'w'], [mx.nd.ones(shape),
                                                                    mx.nd.ones(shape) * 10]),
                                               kv.pull('w', out=a), _vals(a))[2])
    rec("pushpull + updater", lambda: (kv.pushpull('b', mx.nd.ones(shape), out=a), _vals(a))[1])
    rec("updater order", lambda: (kv.push(['b', 'w'], [mx.nd.ones(shape)] * 2), list(seen))[1])


def int_updater(mx, rec):
    shape = (2,)
    kv = mx.kv.create('local')
    seen = []

    def upd(key, inp, stored):
        seen.append(key)
        stored[:] = stored * 0.5 + inp

    kv._set_updater(upd)
    kv.init([9, 2, 7], [mx.nd.ones(shape) * i for i in (9, 2, 7)])
    rec("sorted update order", lambda: (kv.push([9, 2, 7, 2], [mx.nd.ones(shape)] * 4), seen)[1])
    out = [mx.nd.zeros(shape) for _ in range(3)]
    rec("values", lambda: (kv.pull([9, 2, 7], out=out), _vals(out))[1])


def errors(mx, rec):
    shape = (2,)
    a = mx.nd.zeros(shape)
    kv = mx.kv.create('local')
    kv.init(3, mx.nd.ones(shape))
    rec("duplicate init", lambda: kv.init(3, a))
    rec("mixed key types", lambda: kv.init('a', a))
    rec("uninit pull", lambda: kv.pull(99, out=a))
    rec("uninit push", lambda: kv.push(98, a))
    rec("inconsistent keys", lambda: kv.init([5, '6'], [a, a]))
    rec("bad key type", lambda: kv.init(5.0, a))
    rec("len mismatch", lambda: kv.init([7, 8], [a]))
    rec("pull without out", lambda: kv.pull(3))
    rec("non-NDArray value", lambda: kv.push(3, [1, 2]))
    rec("broadcast twice", lambda: (kv.broadcast(20, a, out=a), kv.broadcast(20, a, out=a)))
    rec("init list for one key", lambda: kv.init(30, [a, a]))
    rec("compression on local", lambda: kv.set_gradient_compression({'type': '2bit'}))
    rec("save without updater", lambda: kv.save_optimizer_states('unused.states'))
    rec("unknown capability", lambda: kv.is_capable('foo'))
    rec("create non-str", lambda: mx.kv.create(3))
    s = mx.kv.create('local')
    s.init('w', a)
    rec("str duplicate init", lambda: s.init('w', a))
    rec("str uninit push", lambda: s.push('q', a))
    rec("str uninit pull", lambda: s.pull('q', out=a))
    rec("int on str store", lambda: s.pull(0, out=a))
    d = mx.kv.create('device')
    rec("compression unknown type", lambda: d.set_gradient_compression({'type': '1bit'}))
    rec("compression no type", lambda: d.set_gradient_compression({'threshold': 0.5}))
    rec("compression bad threshold", lambda: d.set_gradient_compression({'type': '2bit',
                                                                         'threshold': 0}))
    rec("compression not a dict", lambda: d.set_gradient_compression('2bit'))


def compression(mx, rec):
    shape = (5,)
    grad = [0.3, 0.6, -0.7, 0.2, -0.4]
    kv = mx.kv.create('device')
    kv.set_gradient_compression({'type': '2bit', 'threshold': 0.5})
    kv.init(0, mx.nd.zeros(shape))
    kv.init(1, mx.nd.zeros(shape))
    a = mx.nd.zeros(shape)
    vals = [mx.nd.array(grad, ctx=mx.cpu(i)) for i in range(2)]
    for step in range(3):
        rec("two devices step %d" % step, lambda: (kv.push(0, vals), kv.pull(0, out=a),
                                                   _vals(a))[2])
    for step in range(3):
        rec("one device step %d" % step, lambda: (kv.push(1, mx.nd.array(grad)),
                                                  kv.pull(1, out=a), _vals(a))[2])
    kv2 = mx.kv.create('device')
    kv2.set_gradient_compression({'type': '2bit', 'threshold': 0.25})
    kv2.init(0, mx.nd.ones(shape))

    def upd(key, inp, stored):
        stored[:] = stored - inp

    kv2._set_updater(upd)
    rec("with updater", lambda: (kv2.push(0, vals), kv2.pull(0, out=a), _vals(a))[2])


def create_names(mx, rec):
    for name in ('local', 'device', 'Local', 'local_allreduce_cpu', 'teststore'):
        rec("create %s" % name, lambda: [mx.kv.create(name).type, mx.kv.create(name).rank,
                                         mx.kv.create(name).num_workers])


def test_store(mx, rec):
    kv = mx.kv.create('teststore')
    shape = (2,)
    a = [mx.nd.zeros(shape) for _ in range(2)]
    rec("teststore pushpull", lambda: (kv.pushpull(0, [mx.nd.ones(shape), mx.nd.ones(shape) * 2],
                                                   out=a), _vals(a))[1])
    rec("teststore broadcast", lambda: (kv.broadcast(0, mx.nd.ones(shape) * 7, out=a),
                                        _vals(a))[1])
    rec("teststore capable", lambda: kv.is_capable('optimizer'))


SCENARIOS = [basic, str_keys, int_updater, errors, compression, create_names, test_store]


def run_all(mx):
    """{scenario: [(label, result), ...]} and {scenario: {label: exception}}."""
    results, errs = {}, {}
    for scenario in SCENARIOS:
        rec = Recorder()
        scenario(mx, rec)
        results[scenario.__name__] = rec.results
        errs[scenario.__name__] = rec.errors
    return results, errs
