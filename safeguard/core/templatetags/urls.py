"""`{% url %}` with its results remembered (a template builtin: settings.TEMPLATES).

Reversing a URL name costs Django tens of microseconds, and the record pages reverse the
same few dozen names with the same ids on every request (a caseload row, a chronology
entry's correct and withdraw links, the summary's recording links): the rendering's
largest single cost after the variables themselves (docs/performance.md). The result of
`reverse` depends only on the name, the arguments, the current application, the URLconf
and the script prefix, so this tag keeps it per process under exactly that key, for
arguments that are plain ints and strings; anything else is reversed every time. It
renders what Django's own tag renders (the node is Django's, only its reverse is cached).
"""

from django.core.signals import setting_changed
from django.template import Library, defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = Library()

_MAX_ENTRIES = 20_000
_cache: dict = {}


def _plain(value) -> bool:
    # Exactly int (not bool, which equals 1 or 0 as a key but reverses to "True"), or a
    # string (a literal in a template is a SafeString: the same text, the same URL).
    return type(value) is int or isinstance(value, str)


def cached_reverse(view_name, args, kwargs, current_app):
    """`reverse(...)`, remembered for plain int and str arguments."""
    if not (
        isinstance(view_name, str)
        and all(_plain(a) for a in args)
        and all(_plain(v) for v in kwargs.values())
        and (current_app is None or isinstance(current_app, str))
    ):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    key = (
        view_name,
        tuple(args),
        tuple(sorted(kwargs.items())),
        current_app,
        get_urlconf(),
        get_script_prefix(),
    )
    try:
        return _cache[key]
    except KeyError:
        pass
    url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    if len(_cache) >= _MAX_ENTRIES:
        _cache.clear()
    _cache[key] = url
    return url


def clear(**kwargs) -> None:
    _cache.clear()


# A test that swaps the URLconf (override_settings) may reuse its module name.
setting_changed.connect(
    lambda setting, **kwargs: clear() if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME") else None,
    weak=False,
)


class CachedURLNode(defaulttags.URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = cached_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser, token):
    """Django's `{% url %}` (same syntax and output), reversing through `cached_reverse`."""
    node = defaulttags.url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
