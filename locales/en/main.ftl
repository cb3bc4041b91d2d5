# Madang UI strings, English.
language-name = English
skip-link = Skip to main content
menu = Menu
home = Home
see-details = See details
pinned = Pinned
secret = Secret post
no-posts = There are no posts yet.
pagination = Pages
page-n = Page { $n }
previous-page = Previous page
next-page = Next page
posted-on = Posted
author = Author
views = Views
attachments = Attachments
attachment-downloads =
    { $count ->
        [one] { $count } download
       *[other] { $count } downloads
    }
links = Links
previous-post = Previous
next-post = Next
back-to-list = Back to the list
latest-posts = Latest posts
switch-language = 한국어
switch-language-label = 한국어로 보기
footer-powered = Powered by Madang
setup-banner = This site has no administrator yet. Open the one-time setup link printed in the server's log to create one.
setup-title = Create the first administrator
setup-intro = This account can manage the whole site. Choose a strong password; you can add other staff later.
setup-login = Login
setup-nickname = Display name
setup-email = E-mail
setup-password = Password (at least 8 characters)
setup-password-again = Password again
setup-submit = Create administrator
setup-done-title = The administrator was created
setup-done-body = The account { $login } can now sign in. The setup link no longer works.
setup-error-mismatch = The two passwords differ.
setup-error-invalid = { $reason }
error-not-found-title = Page not found
error-not-found-body = There is no page at this address. It may have moved or been removed.
error-bad-request-title = This request could not be understood
error-bad-request-body = Part of the address is not valid: { $detail }
error-forbidden-title = Not allowed
error-forbidden-body = You do not have permission to see this page.
error-too-long-title = Address too long
error-too-long-body = This address is longer than the site accepts.
error-internal-title = Something went wrong
error-internal-body = The site could not show this page. The problem has been logged; please try again later.
error-back-home = Go to the home page
invalid-page-number = the page number must be a whole number from 1 upwards
