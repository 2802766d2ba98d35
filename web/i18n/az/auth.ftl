# Giriş, çıxış və ana səhifə.

login-title = Giriş
login-heading = Qalxan sisteminə giriş
login-intro = Hesabınızın e-poçt ünvanını və parolunu daxil edin.
login-failed = E-poçt ünvanı və ya parol yanlışdır, yaxud hesab deaktiv edilib.
login-throttled = Həddən artıq uğursuz cəhd. Bir az gözləyib yenidən cəhd edin.
login-signed-out = Sistemdən çıxdınız.
logout-title = Çıxış
logout-question = Bu sessiyanı bitirmək istəyirsiniz?

home-title = Ana səhifə
home-welcome = Xoş gəlmisiniz, { $name }
home-links = Hara keçmək olar
home-role-admin = Siz istifadəçiləri, təşkilatları və sistem ayarlarını idarə edirsiniz.
home-role-coordinator = Siz triajı idarə edirsiniz: insidentləri təyin edir, iş axını üzrə irəlilədir və qurumlarla paylaşırsınız.
home-role-responder = Siz insidentlər üzərində işləyirsiniz: təhlil, qarşısının alınması, aradan qaldırılma və bərpa.
home-role-auditor = Siz hər şeyi, o cümlədən audit jurnalını oxuya bilərsiniz, lakin heç nəyi dəyişə bilməzsiniz.
home-role-reporter = Siz təşkilatınızın adından insidentlər barədə məlumat verir və onların gedişatını izləyirsiniz.
home-role-liaison = Siz təşkilatınızla paylaşılan insidentləri paylaşılmış TLP səviyyəsinədək görürsünüz.

tlp-heading = Svetofor Protokolu (TLP)
tlp-intro = Hər insident, şərh və fayl TLP nişanı daşıyır. Nişan məlumatı kiminlə paylaşa biləcəyinizi göstərir.
tlp-clear = Yayılma məhdudiyyəti yoxdur.
tlp-green = Yalnız öz icmanız daxilində, heç vaxt açıq şəkildə deyil.
tlp-amber = Təşkilatınız və onun müştəriləri daxilində, yalnız zərurət olduqda.
tlp-amber-strict = Yalnız təşkilatınız daxilində, zərurət olduqda.
tlp-red = Yalnız adı çəkilən alıcılar üçün.
